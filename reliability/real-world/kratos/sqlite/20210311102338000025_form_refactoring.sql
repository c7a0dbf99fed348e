
DROP TABLE "selfservice_settings_flows";