import type Database from 'better-sqlite3';

const statements = new WeakMap<Database.Database, Database.Statement>();

/**
 * The directory groups a person is a member of now (a step's approverGroupIds name groups).
 * A cheap text match inside SQLite first, then the member list itself: a group of 5,000 members
 * is never parsed in JavaScript to answer for one person.
 */
export function groupIdsOf(db: Database.Database, userId: string): string[] {
  let statement = statements.get(db);
  if (!statement) {
    statement = db
      .prepare(
        `SELECT id FROM documents WHERE collection = 'groups' AND deleted = 0 AND instr(doc, @quoted) > 0
           AND EXISTS (SELECT 1 FROM json_each(doc, '$.memberUserIds') WHERE value = @userId) ORDER BY id`,
      )
      .pluck();
    statements.set(db, statement);
  }
  return statement.all({ quoted: JSON.stringify(userId), userId }) as string[];
}
