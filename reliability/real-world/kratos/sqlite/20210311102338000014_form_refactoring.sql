
DROP TABLE "selfservice_registration_flows";