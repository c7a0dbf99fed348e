ALTER TABLE identities ADD metadata_public JSON NULL;
ALTER TABLE identities ADD metadata_admin JSON NULL;
