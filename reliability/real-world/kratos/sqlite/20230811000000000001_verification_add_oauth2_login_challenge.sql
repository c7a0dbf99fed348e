ALTER TABLE selfservice_verification_flows ADD COLUMN oauth2_login_challenge TEXT NULL;
