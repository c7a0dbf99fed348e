import { defineMigration } from 'strata-migrate';

export default defineMigration({
  description: 'Add an email column to users',
  depends: ['001'],
  async up(db) {
    await db.addColumnIfNotExists('users', 'email', 'TEXT');
  },
  async down(db) {
    await db.exec('ALTER TABLE users DROP COLUMN email');
  },
});
