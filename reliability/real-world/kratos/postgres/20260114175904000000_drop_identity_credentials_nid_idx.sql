DROP INDEX IF EXISTS identity_credentials_nid_idx;
