import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * PostgreSQL: `dirsync_json_text(doc, path)` is `doc::jsonb #>> path`, or null when the
 * stored text is not JSON PostgreSQL can read (a `\u0000` escape, nesting deeper than its
 * stack allows). SCIM filters read JSON columns through it (scim-mapping.ts), so no stored
 * value can make a filter fail. Only the errors such text raises are caught.
 * SQLite needs nothing: its filters guard json_extract with json_valid.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`
    create or replace function dirsync_json_text(doc text, path text[]) returns text
    language plpgsql immutable parallel safe as $$
    begin
      return doc::jsonb #>> path;
    exception
      when invalid_text_representation or untranslatable_character or statement_too_complex then
        return null;
    end
    $$`.execute(db);
}
