
DROP TABLE "selfservice_verification_flows";