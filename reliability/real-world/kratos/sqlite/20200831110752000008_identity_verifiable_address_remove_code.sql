
DROP TABLE "identity_verifiable_addresses";