
DROP TABLE "selfservice_profile_management_requests";