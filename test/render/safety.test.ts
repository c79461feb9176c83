import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { secretEnvName } from '../../lib/render/secrets.js';
import { toYaml } from '../../lib/render/serialize.js';
import { builtInTemplateDir, yamlValue } from '../../lib/render/templates.js';
import { Fixture, locate } from '../support/fixture.js';
import { renderAt } from './support.js';

let fx: Fixture;
beforeEach(() => {
  fx = new Fixture();
});
afterEach(() => fx.dispose());

const JOB = 'datasync/kafka-orders-to-paimon';
const JOB_YAML = 'jobs/datasync/kafka-orders-to-paimon/job.yaml';
const HOSTILE =
  'x\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: pwned}\nspec: "{{name}}" \'q\' : - [ ] & *a ! % @ ` # \u2028\u0085\u007f\ud800 end';
const shape = (stream: string) => parseAllDocuments(stream).map((d) => `${d.get('apiVersion')} ${d.get('kind')}`);

describe('render: hostile values cannot add or change keys or objects', () => {
  it('a description, a variable and SQL text with newlines, ": ", "---", "{{" and quotes stay values', () => {
    const baseline = renderAt(fx.root, 'test', [JOB]);
    fx.edit(
      JOB_YAML,
      'description: Rental orders from Kafka into the Paimon ODS table, partitioned by day.',
      `description: ${JSON.stringify(HOSTILE)}`,
    );
    fx.edit(JOB_YAML, 'orders_topic: rent.orders${topic_suffix}', `orders_topic: ${JSON.stringify(HOSTILE)}`);
    const sql = 'jobs/datasync/kafka-orders-to-paimon/02-sink.sql';
    fx.edit(
      sql,
      'WHERE order_id IS NOT NULL',
      `WHERE order_id IS NOT NULL AND city <> '---\nkind: Secret\n"{{json name}}": x' -- }}\n`,
    );
    const r = renderAt(fx.root, 'test', [JOB]);
    expect(r.diagnostics).toEqual([]);
    expect(shape(r.stream)).toEqual(shape(baseline.stream));
    expect(r.stream).not.toMatch(/^kind: Secret/m);
    const fd = r.objects.find((o) => o.kind === 'FlinkDeployment')!;
    expect((fd.object.metadata as { annotations: Record<string, string> }).annotations['flinkops.io/description']).toBe(
      HOSTILE,
    );
    const cm = r.objects.find((o) => o.name === 'kafka-orders-to-paimon-sql')!;
    const script = (cm.object.data as Record<string, string>)['job.sql']!;
    expect(script).toContain(`'topic' = '${HOSTILE}'`);
    expect(script).toContain(`city <> '---\nkind: Secret\n"{{json name}}": x'`);
    // And the bytes written out read back as the same values.
    const back = parseAllDocuments(r.stream).map((d) => d.toJS());
    expect(back.find((o) => o.metadata.name === 'kafka-orders-to-paimon-sql').data['job.sql']).toBe(script);
  });

  it('yamlValue writes JSON that YAML 1.1 and 1.2 read back unchanged, even for characters JSON leaves raw', () => {
    for (const v of [HOSTILE, '\u2029', '\ufeffbom', 'tab\there', { 'a: b': ['---', null, 1.5, true] }]) {
      for (const version of ['1.1', '1.2'] as const) {
        expect(parseAllDocuments(`k: ${yamlValue(v)}\n`, { version })[0]!.toJS().k).toEqual(
          typeof v === 'string' ? v.replace(/[\ud800-\udfff]/g, (c) => c) : v,
        );
      }
    }
  });

  it('the YAML writer keeps every string a string for YAML 1.1 (kubectl) and 1.2 readers', () => {
    const strings = [
      HOSTILE,
      'y',
      'NO',
      'on',
      'null',
      '~',
      '0755',
      '1_000',
      '1e5',
      '12:30',
      '2024-01-01',
      '.inf',
      '-',
      '- x',
      '? x',
      'a: b',
      'a #b',
      'a:',
      ' lead',
      'trail ',
      '',
      '@x',
      '*x',
      '&x',
      '!x',
      '%x',
      '|',
      '>',
      '"q"',
      "'q'",
      '2048m',
      '/$2',
      'x\n',
      '\n\nx\n\n',
      '  indented\nx',
      'a\r\nb',
      'tab\tin\nblock\n',
      '---\n...\n',
      '\u2028',
      '\u0085',
      '\ufeff',
      'x\u0000y',
      // Past the length below which the writer remembers a string's written form.
      `${'plain-'.repeat(30)}end`,
      `${'not plain: '.repeat(20)}end`,
      `${'yes'.repeat(50)} #x`,
    ];
    const data = Object.fromEntries(strings.map((v, i) => [`k${i}`, v]));
    const object = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'x',
        namespace: 'y',
        labels: Object.fromEntries(strings.slice(0, 12).map((v) => [v || 'empty', v])),
      },
      data,
      list: strings,
      nested: [[1, true, null], [], {}, { a: [{ b: 'c' }] }],
    };
    const text = toYaml({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'y', name: 'x', object, template: 't' });
    for (const version of ['1.1', '1.2'] as const) {
      const docs = parseAllDocuments(text, { version });
      expect(docs).toHaveLength(1);
      expect(docs[0]!.errors).toEqual([]);
      expect(docs[0]!.toJS()).toEqual(object);
    }
  });

  it('a label value Kubernetes would reject is an error, not a broken object', () => {
    fx.edit(JOB_YAML, 'description:', 'labels:\n  cost-center: "not a label value!"\ndescription:');
    const r = renderAt(fx.root, 'test', [JOB]);
    const errs = [...r.load, ...r.diagnostics].filter((d) => d.severity === 'error');
    expect(errs.length).toBeGreaterThan(0);
  });
});

describe('render: templates are checked before they run', () => {
  const builtIn = (name: string) => readFileSync(path.join(builtInTemplateDir(), name), 'utf8');

  it('refuses a bare {{value}} with the template file, line and column', () => {
    const text = builtIn('manifests/configmap.yaml.hbs').replace('name: {{json name}}', 'name: {{name}}');
    fx.write('templates/manifests/configmap.yaml.hbs', text);
    const r = renderAt(fx.root, 'test', [JOB]);
    const d = r.diagnostics.find((x) => x.rule === 'render/template')!;
    expect(d).toMatchObject({ file: 'templates/manifests/configmap.yaml.hbs', ...locate(text, '{{name}}') });
    expect(d.message).toContain('{{json name}}');
    expect(r.objects.some((o) => o.kind === 'ConfigMap')).toBe(false);
  });

  it('refuses a template that renders a second object, and a misspelt field (strict mode)', () => {
    fx.write(
      'templates/manifests/configmap.yaml.hbs',
      `${builtIn('manifests/configmap.yaml.hbs')}---\napiVersion: v1\nkind: Secret\n`,
    );
    expect(
      renderAt(fx.root, 'test', [JOB])
        .diagnostics.map((d) => d.message)
        .join('\n'),
    ).toContain('rendered 2 YAML documents, expected exactly one');
    fx.write(
      'templates/manifests/configmap.yaml.hbs',
      builtIn('manifests/configmap.yaml.hbs').replace('{{json name}}', '{{json nmae}}'),
    );
    expect(
      renderAt(fx.root, 'test', [JOB])
        .diagnostics.map((d) => d.message)
        .join('\n'),
    ).toContain('the value is undefined (a misspelt or missing field?)');
  });

  it('refuses partials', () => {
    fx.write('templates/manifests/configmap.yaml.hbs', `{{> evil}}\n${builtIn('manifests/configmap.yaml.hbs')}`);
    expect(renderAt(fx.root, 'test', [JOB]).diagnostics[0]!.message).toContain('PartialStatement is not allowed');
  });
});

describe('render: schema validation', () => {
  it('checks operator objects against the CRD (an operator flinkVersion it does not know)', () => {
    fx.edit('platform/versions.yaml', 'operator: v1_20', 'operator: v1_99');
    const r = renderAt(fx.root, 'test', [JOB]);
    const d = r.diagnostics.find((x) => x.rule === 'render/schema')!;
    expect(d.message).toContain(
      'FlinkDeployment flink-datasync/kafka-orders-to-paimon: /spec/flinkVersion must be equal to one of the allowed values',
    );
  });

  it('checks core objects against the Kubernetes OpenAPI schema', () => {
    const text = readFileSync(
      path.join(builtInTemplateDir(), 'manifests/ingress-networking-v1.yaml.hbs'),
      'utf8',
    ).replace('number: {{json port}}', 'number: {{json service}}');
    fx.write('templates/manifests/ingress-networking-v1.yaml.hbs', text);
    const r = renderAt(fx.root, 'test', [JOB]);
    expect(r.diagnostics.find((x) => x.rule === 'render/schema')?.message).toMatch(
      /Ingress flink-datasync\/kafka-orders-to-paimon: .*number must be integer/,
    );
  });

  it('closes the CRD schema: an unknown field is an error, not silently dropped', () => {
    const text = readFileSync(path.join(builtInTemplateDir(), 'manifests/flinkdeployment.yaml.hbs'), 'utf8').replace(
      '  serviceAccount: flink',
      '  serviceAcount: flink',
    );
    fx.write('templates/manifests/flinkdeployment.yaml.hbs', text);
    expect(
      renderAt(fx.root, 'test', [JOB])
        .diagnostics.map((d) => d.message)
        .join('\n'),
    ).toContain('must NOT have additional properties "serviceAcount"');
  });
});

describe('render: secrets', () => {
  it('${secret:NAME} becomes an env var from the Secret flinkops-secrets; no value is ever rendered', () => {
    const r = renderAt(fx.root, 'prod');
    expect(r.objects.some((o) => o.kind === 'Secret')).toBe(false);
    const fd = r.objects.find((o) => o.name === 'mysql-contracts-to-paimon' && o.kind === 'FlinkDeployment')!;
    const container = (fd.object.spec as { podTemplate: { spec: { containers: { env: unknown[] }[] } } }).podTemplate
      .spec.containers[0]!;
    expect(container.env).toEqual([
      {
        name: 'FLINKOPS_SECRET_MYSQL_CDC_PASSWORD',
        valueFrom: { secretKeyRef: { name: 'flinkops-secrets', key: 'MYSQL_CDC_PASSWORD' } },
      },
    ]);
    expect(r.stream).toContain("'password' = '${secret:MYSQL_CDC_PASSWORD}'");
    expect(secretEnvName('kafka.jaas-config')).toBe('FLINKOPS_SECRET_KAFKA_JAAS_CONFIG');
  });

  it('JAR arguments get the env var too (the job reads FLINKOPS_SECRET_<NAME>)', () => {
    fx.edit(
      'jobs/acquisition/listing-score/job.yaml',
      '"--model-version", "v7"',
      '"--model-version", "v7", "--token", "${secret:model-token}"',
    );
    const r = renderAt(fx.root, 'prod', ['acquisition/listing-score']);
    expect(r.diagnostics).toEqual([]);
    expect(r.stream).toContain('FLINKOPS_SECRET_MODEL_TOKEN');
    expect(r.stream).toContain('key: model-token');
  });

  it('a secret in the Flink configuration is an error at its file:line:column', () => {
    fx.edit(
      JOB_YAML,
      'table.exec.sink.upsert-materialize: NONE',
      'table.exec.sink.upsert-materialize: NONE\n  s3.secret-key: ${secret:S3_KEY}',
    );
    const r = renderAt(fx.root, 'test', [JOB]);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([
      expect.objectContaining({
        rule: 'render/secret-in-conf',
        file: JOB_YAML,
        ...locate(fx.read(JOB_YAML), '${secret:S3_KEY}'),
        job: JOB,
      }),
    ]);
  });
});
