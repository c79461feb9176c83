// dt-sql-parser alone on the same SQL files, through its own public API (FlinkSQL.parse with an error listener).
import { readFileSync } from 'node:fs';
import { FlinkSQL } from 'dt-sql-parser';

const files = readFileSync(process.argv[2]!, 'utf8').split('\n').filter(Boolean);
const parser = new FlinkSQL();
let errors = 0;
for (const f of files) {
  parser.parse(readFileSync(f, 'utf8'), () => errors++);
}
process.stdout.write(`${JSON.stringify({ files: files.length, errors })}\n`);
