import type { ChangeClass } from './types.js';

/** A compiled plan (FLIP-190 JSON) as far as classification needs it. */
interface CompiledPlan {
  nodes?: {
    id: number;
    type: string;
    state?: { name?: string; index?: number; ttl?: string }[];
    [k: string]: unknown;
  }[];
  edges?: { source: number; target: number }[];
}

/** Fields of a stateful node that decide whether its state can be restored (keys, aggregates, types). */
const STATE_FIELDS = [
  'grouping',
  'aggCalls',
  'partitionSpec',
  'inputUpsertKey',
  'uniqueKeys',
  'joinSpec',
  'leftUpsertKeys',
  'rightUpsertKeys',
  'rankRange',
  'orderBy',
  'windowing',
  'outputType',
  'inputProperties',
  'state',
];

function typeName(t: string): string {
  return t.replace(/_\d+$/, '');
}

function shape(plan: CompiledPlan): string {
  const ids = new Map((plan.nodes ?? []).map((n, i) => [n.id, i]));
  return JSON.stringify({
    nodes: (plan.nodes ?? []).map((n) => typeName(n.type)),
    edges: (plan.edges ?? []).map((e) => [ids.get(e.source), ids.get(e.target)]),
  });
}

/** Operators that keep state even when the compiled plan lists no `state` for them (window operators). */
const STATEFUL_TYPE = /aggregate|join|rank|deduplicate|window|over|normalize|match|limit|materializ/;

function statefulNodes(plan: CompiledPlan): { type: string; signature: string }[] {
  return (plan.nodes ?? [])
    .filter((n) => (Array.isArray(n.state) && n.state.length > 0) || STATEFUL_TYPE.test(typeName(n.type)))
    .map((n) => ({
      type: typeName(n.type),
      signature: JSON.stringify(Object.fromEntries(STATE_FIELDS.filter((f) => f in n).map((f) => [f, n[f]]))),
    }));
}

/**
 * Compares the compiled plans of the base and head SQL. Without explicit operator uids, Flink
 * maps state to operators by the job graph's topology, and restores it only into an operator whose
 * state has the same layout. So: same topology and same stateful operators → state-compatible;
 * anything else → state-breaking (the job cannot restore from its savepoint as is).
 */
export function classifyPlans(base: unknown[], head: unknown[]): { class: ChangeClass; detail: string } {
  const b = base as CompiledPlan[];
  const h = head as CompiledPlan[];
  if (JSON.stringify(b) === JSON.stringify(h))
    return {
      class: 'config-only',
      detail: 'Flink compiles the same plan: only configuration or connector options differ.',
    };
  if (b.length !== h.length)
    return {
      class: 'state-breaking',
      detail: `the job has ${h.length} pipeline(s) instead of ${b.length}: operators (and their state) cannot be matched.`,
    };
  for (let i = 0; i < b.length; i++) {
    if (shape(b[i]!) !== shape(h[i]!)) {
      const bs = statefulNodes(b[i]!).map((n) => n.type);
      const hs = statefulNodes(h[i]!).map((n) => n.type);
      return {
        class: 'state-breaking',
        detail: `the job graph changes shape (stateful operators ${bs.join(', ') || 'none'} → ${hs.join(', ') || 'none'}): state is mapped by topology, so it would not be restored.`,
      };
    }
    const bs = statefulNodes(b[i]!);
    const hs = statefulNodes(h[i]!);
    for (let k = 0; k < bs.length; k++) {
      if (bs[k]!.signature !== hs[k]!.signature)
        return {
          class: 'state-breaking',
          detail: `stateful operator ${bs[k]!.type} changes its keys, aggregates or types: its state cannot be restored.`,
        };
    }
  }
  return {
    class: 'state-compatible',
    detail: 'same job graph and the same stateful operators: the job restores from its savepoint.',
  };
}
