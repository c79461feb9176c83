// The floor of render: read every file of the repository's jobs/ and platform/, and write as many YAML
// files (the `yaml` package, as render does) as render writes objects, each carrying its job's SQL.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';

const [root, out, objects] = [process.argv[2], process.argv[3], Number(process.argv[4])];
const texts = [];
const walk = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true }))
    if (e.isDirectory()) walk(path.join(dir, e.name));
    else texts.push(readFileSync(path.join(dir, e.name), 'utf8'));
};
walk(path.join(root, 'platform'));
walk(path.join(root, 'jobs'));
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (let i = 0; i < objects; i++) {
  const object = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `object-${i}`, namespace: 'flink', labels: { 'app.kubernetes.io/managed-by': 'flinkops' } },
    data: { 'script.sql': texts[i % texts.length] },
  };
  writeFileSync(path.join(out, `object-${i}.yaml`), stringify(object));
}
