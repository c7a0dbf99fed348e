
DROP TABLE "selfservice_settings_requests";