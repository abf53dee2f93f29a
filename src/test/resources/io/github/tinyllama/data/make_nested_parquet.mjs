// Nested and typed Parquet fixtures for ParquetReaderTest, with DuckDB (npm @duckdb/node-api 1.5.6-r.1), offline:
//   node make_nested_parquet.mjs OUT_DIR
// The expected rows are DuckDB's own JSON export of the same table.
import { DuckDBInstance } from '@duckdb/node-api';
const out = process.argv[2];
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run(`SET threads = 1`);
// 66 rows cover every combination of the moduli: null and empty lists, null elements, null structs and
// struct fields, lists of lists, lists of structs, booleans, int32/int64, float/double, a dictionary column.
await c.run(`CREATE TABLE nested AS SELECT
  i::INTEGER AS id,
  CASE WHEN i % 7 = 0 THEN NULL ELSE i % 3 = 0 END AS flag,
  (i * 1000000007)::BIGINT AS big,
  i / 4.0 AS x,
  (i / 2.0)::FLOAT AS f,
  'word ' || (i % 5) AS word,
  CASE i % 5 WHEN 0 THEN NULL WHEN 1 THEN []::VARCHAR[] WHEN 2 THEN ['a' || i, NULL, 'é😀']
    ELSE ['t' || i, 'u' || (i % 3)] END AS tags,
  CASE WHEN i % 11 = 0 THEN NULL
    ELSE {'text': ['x' || i, 'y'], 'label': CASE WHEN i % 4 = 0 THEN NULL ELSE ['A', 'B'] END} END AS choices,
  CASE WHEN i % 6 = 0 THEN [[i, i + 1], [], NULL, [NULL]] ELSE [[i]] END AS grid,
  CASE WHEN i % 9 = 0 THEN [] ELSE [{'a': i, 'b': 'b' || i}, {'a': NULL, 'b': NULL}, NULL] END AS items
  FROM range(66) r(i)`);
await c.run(`COPY nested TO '${out}/nested.jsonl' (FORMAT json)`);
await c.run(`COPY nested TO '${out}/nested_v1_snappy.parquet' (FORMAT parquet, COMPRESSION snappy)`);
await c.run(`COPY nested TO '${out}/nested_v2_zstd.parquet' (FORMAT parquet, COMPRESSION zstd, PARQUET_VERSION v2)`);
// 2,100 rows in row groups of 2,048: lists that continue across a row group boundary.
await c.run(`CREATE TABLE grouped AS SELECT i::INTEGER AS id, CASE WHEN i % 3 = 0 THEN NULL ELSE [i, i % 7] END AS l
  FROM range(2100) r(i)`);
await c.run(`COPY grouped TO '${out}/grouped.jsonl' (FORMAT json)`);
await c.run(`COPY grouped TO '${out}/grouped_gzip.parquet' (FORMAT parquet, COMPRESSION gzip, ROW_GROUP_SIZE 2048)`);
console.log('ok');
