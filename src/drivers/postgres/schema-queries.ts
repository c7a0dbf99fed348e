/**
 * The catalog queries behind PostgreSQL's schema reader (schema-reader.ts). Each takes the
 * schema's name as $1 and, where it has one, the names left out (strata's tables) as $2.
 * Names come quoted by quote_ident (quotes only where needed); definitions come from the
 * server's own deparsers (pg_get_indexdef, pg_get_constraintdef, pg_get_viewdef,
 * pg_get_functiondef, pg_get_triggerdef, format_type), run with the schema alone on the
 * search_path so that they leave its name out of what they print.
 */

const NS = `(SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = $1)`;

/** Objects an extension created come with CREATE EXTENSION, never on their own. */
const notFromExtension = (catalog: string, oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = '${catalog}'::regclass AND e.objid = ${oid} AND e.deptype = 'e')`;

/** The object kind a relation is dumped as. */
const RELATION_KIND = `CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
  WHEN 'S' THEN 'sequence' WHEN 'c' THEN 'type' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' END`;

export const EXTENSIONS_SQL = `SELECT x.extname AS name, quote_ident(x.extname) AS qname
  FROM pg_catalog.pg_extension x WHERE x.extnamespace = ${NS}`;

/** Enums, ranges, domains and composite types (not arrays, table row types or an extension's). */
export const TYPES_SQL = `SELECT t.typname AS name, quote_ident(t.typname) AS qname, t.typtype AS kind,
    (SELECT string_agg(quote_literal(l.enumlabel), ', ' ORDER BY l.enumsortorder) FROM pg_catalog.pg_enum l WHERE l.enumtypid = t.oid) AS labels,
    (SELECT pg_catalog.format_type(r.rngsubtype, NULL) FROM pg_catalog.pg_range r WHERE r.rngtypid = t.oid) AS subtype,
    CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END AS base,
    t.typnotnull AS not_null, t.typdefault AS default,
    (SELECT string_agg('CONSTRAINT ' || quote_ident(k.conname) || ' ' || pg_catalog.pg_get_constraintdef(k.oid), ' ' ORDER BY k.conname)
       FROM pg_catalog.pg_constraint k WHERE k.contypid = t.oid) AS checks,
    (SELECT string_agg(quote_ident(a.attname) || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
       FROM pg_catalog.pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) AS attributes
  FROM pg_catalog.pg_type t
 WHERE t.typnamespace = ${NS} AND t.typtype IN ('e', 'r', 'd', 'c')
   AND (t.typrelid = 0 OR (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c')
   AND ${notFromExtension('pg_type', 't.oid')}`;

/** Sequences with what owns them: `i` (an identity column: not dumped) or `a` (OWNED BY, a serial). */
export const SEQUENCES_SQL = `SELECT c.relname AS name, quote_ident(c.relname) AS qname, pg_catalog.format_type(s.seqtypid, NULL) AS type,
    s.seqstart::text AS start, s.seqincrement::text AS increment, s.seqmin::text AS min, s.seqmax::text AS max,
    s.seqcache::text AS cache, s.seqcycle AS cycle, d.deptype AS owned, t.relname AS owner_table,
    quote_ident(t.relname) || '.' || quote_ident(a.attname) AS owner_column
  FROM pg_catalog.pg_sequence s JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
  LEFT JOIN pg_catalog.pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
  LEFT JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
  LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
 WHERE c.relnamespace = ${NS} AND NOT (c.relname = ANY($2::text[])) AND ${notFromExtension('pg_class', 'c.oid')}`;

/** Tables and partitioned tables (and partitions, with their parent and bound), one row per column. */
export const COLUMNS_SQL = `SELECT c.relname AS table, quote_ident(c.relname) AS qtable, c.relkind AS kind, c.relpersistence AS persistence,
    CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partition_key,
    CASE WHEN c.relispartition THEN (SELECT quote_ident(p.relname) FROM pg_catalog.pg_inherits h JOIN pg_catalog.pg_class p ON p.oid = h.inhparent WHERE h.inhrelid = c.oid) END AS parent,
    CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END AS bound,
    quote_ident(a.attname) AS column, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
    a.attnotnull AS not_null, a.attidentity AS identity, a.attgenerated AS generated, a.attislocal AS local,
    pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) AS default,
    quote_literal(pg_catalog.obj_description(c.oid, 'pg_class')) AS table_comment,
    quote_literal(pg_catalog.col_description(c.oid, a.attnum)) AS column_comment,
    CASE WHEN a.attcollation <> ty.typcollation AND a.attcollation <> 0 THEN
      (SELECT CASE WHEN n.nspname IN ('pg_catalog', $1) THEN '' ELSE quote_ident(n.nspname) || '.' END || quote_ident(co.collname)
         FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace WHERE co.oid = a.attcollation) END AS collation
  FROM pg_catalog.pg_class c
  LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
  LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
 WHERE c.relnamespace = ${NS} AND c.relkind IN ('r', 'p') AND NOT (c.relname = ANY($2::text[])) AND ${notFromExtension('pg_class', 'c.oid')}
 ORDER BY c.relname, a.attnum`;

/** Primary keys, unique, check, exclusion and foreign-key constraints a table declares itself (not inherited or cloned). */
export const CONSTRAINTS_SQL = `SELECT c.relname AS table, quote_ident(c.relname) AS qtable, k.conname AS name, quote_ident(k.conname) AS qname,
    k.contype AS kind, pg_catalog.pg_get_constraintdef(k.oid) AS definition
  FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
 WHERE c.relnamespace = ${NS} AND k.contype IN ('p', 'u', 'c', 'x', 'f') AND k.conislocal AND k.conparentid = 0
   AND NOT (c.relname = ANY($2::text[]))`;

/** Indexes that no constraint made, and not a partition's copy of its parent's index. */
export const INDEXES_SQL = `SELECT i.relname AS name, c.relname AS table, ${RELATION_KIND} AS table_kind, pg_catalog.pg_get_indexdef(i.oid) AS definition
  FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid JOIN pg_catalog.pg_class c ON c.oid = x.indrelid
 WHERE c.relnamespace = ${NS} AND NOT (c.relname = ANY($2::text[])) AND ${notFromExtension('pg_class', 'i.oid')}
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = i.oid AND k.conrelid = c.oid AND k.contype IN ('p', 'u', 'x'))
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h WHERE h.inhrelid = i.oid)`;

export const VIEWS_SQL = `SELECT c.relname AS name, quote_ident(c.relname) AS qname, c.relkind AS kind,
    array_to_string(c.reloptions, ', ') AS options, pg_catalog.pg_get_viewdef(c.oid) AS definition
  FROM pg_catalog.pg_class c
 WHERE c.relnamespace = ${NS} AND c.relkind IN ('v', 'm') AND ${notFromExtension('pg_class', 'c.oid')}`;

/** Functions and procedures (aggregates have no pg_get_functiondef). */
export const ROUTINES_SQL = `SELECT p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')' AS name,
    CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END AS kind, pg_catalog.pg_get_functiondef(p.oid) AS definition
  FROM pg_catalog.pg_proc p
 WHERE p.pronamespace = ${NS} AND p.prokind IN ('f', 'p', 'w') AND ${notFromExtension('pg_proc', 'p.oid')}`;

/** Triggers a user created (not a constraint's internal ones, not a partition's clone of its parent's). */
export const TRIGGERS_SQL = `SELECT t.tgname AS name, c.relname AS table, ${RELATION_KIND} AS table_kind, pg_catalog.pg_get_triggerdef(t.oid) AS definition
  FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace = ${NS} AND NOT t.tgisinternal AND t.tgparentid = 0 AND NOT (c.relname = ANY($2::text[]))`;

/**
 * Which dumped object needs which, from pg_depend: every catalog row an object is made of
 * (a column default, a constraint, a view's rewrite rule) is mapped to the object's key, an
 * array type to its element and a row type to its relation. A serial's sequence is owned by
 * its table (deptype `a`) while the table's default uses the sequence: only the latter orders.
 */
export const DEPENDENCIES_SQL = `WITH keys(classid, objid, key) AS (
    SELECT 'pg_class'::regclass, c.oid, ${RELATION_KIND} || ' ' || c.relname
      FROM pg_catalog.pg_class c WHERE c.relnamespace = ${NS} AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'c', 'i', 'I')
    UNION ALL
    SELECT 'pg_proc'::regclass, p.oid, CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END || ' ' || p.proname || '('
        || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')'
      FROM pg_catalog.pg_proc p WHERE p.pronamespace = ${NS}
    UNION ALL
    SELECT 'pg_type'::regclass, t.oid, CASE t.typtype WHEN 'd' THEN 'domain ' ELSE 'type ' END || t.typname
      FROM pg_catalog.pg_type t WHERE t.typnamespace = ${NS} AND t.typtype IN ('e', 'r', 'd')
    UNION ALL
    SELECT 'pg_attrdef'::regclass, ad.oid, 'table ' || c.relname
      FROM pg_catalog.pg_attrdef ad JOIN pg_catalog.pg_class c ON c.oid = ad.adrelid WHERE c.relnamespace = ${NS}
    UNION ALL
    SELECT 'pg_constraint'::regclass, k.oid, CASE WHEN k.contype = 'f' THEN 'constraint ' || c.relname || '.' || k.conname
        WHEN k.contypid <> 0 THEN 'domain ' || (SELECT t.typname FROM pg_catalog.pg_type t WHERE t.oid = k.contypid) ELSE 'table ' || c.relname END
      FROM pg_catalog.pg_constraint k LEFT JOIN pg_catalog.pg_class c ON c.oid = k.conrelid WHERE k.connamespace = ${NS}
    UNION ALL
    SELECT 'pg_rewrite'::regclass, r.oid, ${RELATION_KIND} || ' ' || c.relname
      FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class WHERE c.relnamespace = ${NS}
    UNION ALL
    SELECT 'pg_trigger'::regclass, g.oid, 'trigger ' || c.relname || '.' || g.tgname
      FROM pg_catalog.pg_trigger g JOIN pg_catalog.pg_class c ON c.oid = g.tgrelid WHERE c.relnamespace = ${NS}
  ),
  refs AS (
    SELECT d.classid, d.objid, d.deptype,
      CASE WHEN d.refclassid = 'pg_type'::regclass AND rt.typrelid <> 0 THEN 'pg_class'::regclass ELSE d.refclassid END AS refclassid,
      CASE WHEN d.refclassid <> 'pg_type'::regclass THEN d.refobjid WHEN rt.typrelid <> 0 THEN rt.typrelid
           WHEN rt.typelem <> 0 AND rt.typcategory = 'A' THEN rt.typelem ELSE d.refobjid END AS refobjid
      FROM pg_catalog.pg_depend d LEFT JOIN pg_catalog.pg_type rt ON d.refclassid = 'pg_type'::regclass AND rt.oid = d.refobjid
     WHERE d.deptype IN ('n', 'a')
  )
  SELECT DISTINCT a.key AS dependent, b.key AS referenced
    FROM refs d JOIN keys a ON a.classid = d.classid AND a.objid = d.objid
    JOIN keys b ON b.classid = d.refclassid AND b.objid = d.refobjid
   WHERE a.key <> b.key AND NOT (d.deptype = 'a' AND a.key LIKE 'sequence %')`;
