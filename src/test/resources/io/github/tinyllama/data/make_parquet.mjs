// Writes the Parquet fixtures with DuckDB (npm @duckdb/node-api 1.5.6-r.1), offline.
import { DuckDBInstance } from '@duckdb/node-api';
const out = process.argv[2];
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run(`CREATE TABLE t AS SELECT * FROM (VALUES
  (1, 'def hello():\n    print("héllo")\n', 'Python'),
  (2, 'public class A {}\n', 'Java'),
  (3, 'def hello():\n    print("héllo")\n', 'Python'),
  (4, NULL, 'Java'),
  (5, 'fn main() { println!("中文 😀"); }\n', 'Rust')) v(id, content, lang)`);
await c.run(`COPY (SELECT content, lang, id FROM t ORDER BY id) TO '${out}/starcoder_snappy.parquet' (FORMAT parquet, COMPRESSION snappy)`);
await c.run(`COPY (SELECT content, lang, id FROM t ORDER BY id) TO '${out}/starcoder_zstd.parquet' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 2)`);
// 300 rows over 7 distinct strings: dictionary pages with bit-packed indices; uncompressed.
await c.run(`COPY (SELECT 'doc ' || (i % 7) AS content, i AS id FROM range(300) r(i)) TO '${out}/many_rows.parquet' (FORMAT parquet, COMPRESSION uncompressed)`);
console.log('ok');
