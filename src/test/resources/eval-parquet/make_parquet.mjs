// Writes the Parquet twins of ../eval/*/*.jsonl with DuckDB (npm @duckdb/node-api 1.5.6-r.1), offline:
//   node make_parquet.mjs SRC_DIR OUT_DIR
// Each file gets the column types the Hugging Face hub's Parquet files of that data set have
// (strings; lists of strings; structs of lists; int32/int64 labels), and the files vary the codec,
// the data page version and the row group size so that each reading path is exercised.
import { DuckDBInstance } from '@duckdb/node-api';
const [src, out] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const choices = 'STRUCT(text VARCHAR[], label VARCHAR[])';
const files = [
  ['hellaswag/validation', {ind: 'INTEGER', activity_label: 'VARCHAR', ctx_a: 'VARCHAR', ctx_b: 'VARCHAR', ctx: 'VARCHAR',
    endings: 'VARCHAR[]', source_id: 'VARCHAR', split: 'VARCHAR', split_type: 'VARCHAR', label: 'VARCHAR'}, 'COMPRESSION snappy'],
  ['openbookqa/test', {id: 'VARCHAR', question_stem: 'VARCHAR', choices, answerKey: 'VARCHAR'}, 'COMPRESSION zstd, ROW_GROUP_SIZE 1'],
  ['winogrande/validation', {sentence: 'VARCHAR', option1: 'VARCHAR', option2: 'VARCHAR', answer: 'VARCHAR'}, 'COMPRESSION uncompressed'],
  ['arc_easy/test', {id: 'VARCHAR', question: 'VARCHAR', choices, answerKey: 'VARCHAR'}, 'COMPRESSION gzip'],
  ['arc_challenge/test', {id: 'VARCHAR', question: 'VARCHAR', choices, answerKey: 'VARCHAR'}, 'COMPRESSION lz4_raw, PARQUET_VERSION v2'],
  ['boolq/validation', {question: 'VARCHAR', passage: 'VARCHAR', idx: 'INTEGER', label: 'BIGINT'}, 'COMPRESSION snappy, PARQUET_VERSION v2'],
  ['piqa/validation', {goal: 'VARCHAR', sol1: 'VARCHAR', sol2: 'VARCHAR', label: 'BIGINT'}, 'COMPRESSION zstd, PARQUET_VERSION v2'],
  ['mmlu/dev', {question: 'VARCHAR', subject: 'VARCHAR', choices: 'VARCHAR[]', answer: 'BIGINT'}, 'COMPRESSION snappy'],
  ['mmlu/test', {question: 'VARCHAR', subject: 'VARCHAR', choices: 'VARCHAR[]', answer: 'BIGINT'}, 'COMPRESSION zstd, ROW_GROUP_SIZE 2'],
];
for (const [name, columns, options] of files) {
  const spec = Object.entries(columns).map(([k, v]) => `'${k}': '${v}'`).join(', ');
  await c.run(`COPY (SELECT * FROM read_json('${src}/${name}.jsonl', columns = {${spec}}, format = 'newline_delimited'))
    TO '${out}/${name}.parquet' (FORMAT parquet, ${options})`);
}
console.log('ok');
