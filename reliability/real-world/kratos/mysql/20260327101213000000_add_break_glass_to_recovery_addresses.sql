ALTER TABLE identity_recovery_addresses ADD COLUMN break_glass_for_organization CHAR(36);
