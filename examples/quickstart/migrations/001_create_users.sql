-- Create the users table
-- migrate:up
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL
);

-- migrate:down
DROP TABLE users;
