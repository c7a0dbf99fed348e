
DROP TABLE "selfservice_recovery_flows";