import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server that answers the GitLab and GitHub endpoints flinkops uses, checking each
 * request as the real API would: path and ids, the token header, the method, the JSON body and its
 * required fields and enumerations. It keeps notes, comments and statuses in memory, paginates, and
 * can be told to fail the next requests (401, 404, 429 with Retry-After, 5xx). Notes are written by
 * the token's user (GitLab `GET /user`; GitHub `GET /user`, or `github-actions[bot]` for an
 * installation token, which GitHub refuses `GET /user` with 403 "Resource not accessible by integration").
 */
export class FakeHosts {
  readonly requests: { method: string; path: string; body: unknown }[] = [];
  readonly gitlab = {
    token: 'glpat-test',
    project: '42',
    mr: 7,
    /** The user the token acts as (a project access token's bot user). */
    user: { id: 501, username: 'project_42_bot' },
    notes: [] as { id: number; body: string; system: boolean; author: { id: number; username: string } }[],
    statuses: [] as Record<string, unknown>[],
    approvedBy: ['zhang.wei'],
    mergeRequestsOfCommit: {} as Record<
      string,
      { iid: number; state: string; merge_commit_sha?: string; squash_commit_sha?: string | null; sha?: string }[]
    >,
    groupMembers: {} as Record<string, string[]>,
    /** Pipeline trigger tokens (POST /projects/:id/trigger/pipeline authenticates with these, not PRIVATE-TOKEN). */
    triggerToken: 'glptt-test',
    pipelines: [] as { id: number; ref: string; status: string; variables: Record<string, string>; web_url: string }[],
    /** Runs a triggered pipeline (the test plays the CI runner): resolves to its final status. */
    runPipeline: undefined as undefined | ((variables: Record<string, string>) => Promise<'success' | 'failed'>),
  };
  readonly github = {
    token: 'ghs_test',
    owner: 'rent',
    repo: 'flink-jobs',
    pr: 9,
    /** `user`: a personal access token acting as `user`; `installation`: Actions' GITHUB_TOKEN. */
    tokenKind: 'user' as 'user' | 'installation',
    user: { id: 601, login: 'flinkops-bot' },
    comments: [] as { id: number; body: string; html_url: string; user: { id: number; login: string } }[],
    statuses: [] as Record<string, unknown>[],
    reviews: [] as { user: { login: string }; state: string }[],
    pullsOfCommit: {} as Record<string, { number: number; merged_at: string | null; merge_commit_sha: string }[]>,
    teamMembers: {} as Record<string, string[]>,
  };
  private failures: { status: number; headers?: Record<string, string>; method?: string; afterEffect?: boolean }[] = [];
  private nextId = 1000;
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  failNext(status: number, times = 1, headers?: Record<string, string>): void {
    for (let i = 0; i < times; i++) this.failures.push({ status, ...(headers ? { headers } : {}) });
  }

  /** The next request with this method fails; with `afterEffect`, it takes effect first (the host crashed after writing). */
  failNextOf(method: string, status: number, afterEffect = false): void {
    this.failures.push({ status, method, afterEffect });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url!, this.url);
    let body: unknown;
    const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(data));
    };
    if (raw) {
      if (!String(req.headers['content-type'] ?? '').includes('application/json'))
        return send(415, { message: 'content-type must be application/json' });
      try {
        body = JSON.parse(raw);
      } catch {
        return send(400, { message: 'body is not JSON' });
      }
    }
    this.requests.push({ method: req.method!, path: url.pathname, body });
    const index = this.failures.findIndex((f) => !f.method || f.method === req.method);
    const failure = index >= 0 ? this.failures.splice(index, 1)[0] : undefined;
    if (failure && !failure.afterEffect)
      return send(failure.status, { message: `injected ${failure.status}` }, failure.headers);
    const respond = failure
      ? (_s: number, _d: unknown) => send(failure.status, { message: `injected ${failure.status} after the write` })
      : send;
    if (url.pathname.startsWith('/api/v4/')) return this.gitlabRoute(req, url, body, respond);
    return this.githubRoute(req, url, body, respond);
  }

  private gitlabRoute(
    req: IncomingMessage,
    url: URL,
    body: unknown,
    send: (s: number, d: unknown, h?: Record<string, string>) => void,
  ): void {
    const g = this.gitlab;
    const p = url.pathname.slice('/api/v4'.length);
    // The trigger API: a trigger token in the body, variables as a hash (GitLab's "Trigger a pipeline with a token").
    const trigger = p.match(/^\/projects\/([^/]+)\/trigger\/pipeline$/);
    if (trigger && req.method === 'POST') {
      if (decodeURIComponent(trigger[1]!) !== g.project) return send(404, { message: '404 Project Not Found' });
      const b = (body ?? {}) as { token?: unknown; ref?: unknown; variables?: unknown };
      if (b.token !== g.triggerToken) return send(404, { message: '404 Not Found' });
      if (typeof b.ref !== 'string' || !b.ref) return send(400, { message: 'ref is missing' });
      const vars = (b.variables ?? {}) as Record<string, unknown>;
      if (typeof vars !== 'object' || Object.values(vars).some((v) => typeof v !== 'string'))
        return send(400, { message: 'variables must be a hash of strings' });
      const id = this.nextId++;
      const pipeline = {
        id,
        ref: b.ref,
        status: 'running',
        variables: vars as Record<string, string>,
        web_url: `${this.url}/rent/flink-jobs/-/pipelines/${id}`,
      };
      g.pipelines.push(pipeline);
      void (g.runPipeline?.(pipeline.variables) ?? Promise.resolve('success' as const)).then(
        (status) => (pipeline.status = status),
        () => (pipeline.status = 'failed'),
      );
      return send(201, { id, ref: pipeline.ref, status: 'created', web_url: pipeline.web_url });
    }
    if (req.headers['private-token'] !== g.token) return send(401, { message: '401 Unauthorized' });
    const pipe = p.match(/^\/projects\/([^/]+)\/pipelines\/(\d+)$/);
    if (pipe && req.method === 'GET') {
      const found = g.pipelines.find((x) => x.id === Number(pipe[2]));
      if (decodeURIComponent(pipe[1]!) !== g.project || !found) return send(404, { message: '404 Not found' });
      return send(200, { id: found.id, ref: found.ref, status: found.status, web_url: found.web_url });
    }
    if (p === '/user' && req.method === 'GET') return send(200, { ...g.user, name: g.user.username, bot: true });
    const mr = p.match(/^\/projects\/([^/]+)\/merge_requests\/(\d+)\/(notes|approvals)(?:\/(\d+))?$/);
    if (mr) {
      if (decodeURIComponent(mr[1]!) !== g.project || Number(mr[2]) !== g.mr)
        return send(404, { message: '404 Not found' });
      if (mr[3] === 'approvals' && req.method === 'GET')
        return send(200, {
          approved: g.approvedBy.length > 0,
          approved_by: g.approvedBy.map((username) => ({ user: { username } })),
        });
      if (mr[3] === 'notes' && req.method === 'GET' && !mr[4]) {
        const per = Number(url.searchParams.get('per_page') ?? 20);
        const page = Number(url.searchParams.get('page') ?? 1);
        const slice = g.notes.slice((page - 1) * per, page * per);
        const total = Math.ceil(g.notes.length / per);
        const next = `${this.url}${url.pathname}?page=${page + 1}&per_page=${per}`;
        return send(200, slice, {
          ...(page < total ? { link: `<${next}>; rel="next"` } : {}),
          'x-page': String(page),
          'x-per-page': String(per),
          'x-total-pages': String(total),
          'x-total': String(g.notes.length),
          ...(page < total ? { 'x-next-page': String(page + 1) } : { 'x-next-page': '' }),
        });
      }
      if (mr[3] === 'notes' && req.method === 'POST' && !mr[4]) {
        const text = (body as { body?: unknown })?.body;
        if (typeof text !== 'string' || !text) return send(400, { message: 'body is missing' });
        if (text.length > 1_000_000) return send(400, { message: 'Note is too long (maximum is 1000000 characters)' });
        const note = { id: this.nextId++, body: text, system: false, author: { ...g.user } };
        g.notes.push(note);
        return send(201, note);
      }
      // Like a maintainer's token, the fake may edit anyone's note: leaving others' notes alone is flinkops' job.
      if (mr[3] === 'notes' && req.method === 'PUT' && mr[4]) {
        const note = g.notes.find((n) => n.id === Number(mr[4]));
        if (!note) return send(404, { message: '404 Note Not Found' });
        const text = (body as { body?: unknown })?.body;
        if (typeof text !== 'string' || !text) return send(400, { message: 'body is missing' });
        note.body = text;
        return send(200, note);
      }
    }
    const commitMrs = p.match(/^\/projects\/([^/]+)\/repository\/commits\/([0-9a-f]{40})\/merge_requests$/);
    if (commitMrs && req.method === 'GET') {
      if (decodeURIComponent(commitMrs[1]!) !== g.project) return send(404, { message: '404 Project Not Found' });
      return send(200, g.mergeRequestsOfCommit[commitMrs[2]!] ?? []);
    }
    const members = p.match(/^\/groups\/([^/]+)\/members\/all$/);
    if (members && req.method === 'GET') {
      const list = g.groupMembers[decodeURIComponent(members[1]!)];
      if (!list) return send(404, { message: '404 Group Not Found' });
      return send(
        200,
        list.map((username, i) => ({ id: i + 1, username, access_level: 30 })),
      );
    }
    const st = p.match(/^\/projects\/([^/]+)\/statuses\/([0-9a-f]{40})$/);
    if (st && req.method === 'POST') {
      if (decodeURIComponent(st[1]!) !== g.project) return send(404, { message: '404 Project Not Found' });
      const b = body as Record<string, unknown>;
      if (!['pending', 'running', 'success', 'failed', 'canceled'].includes(String(b?.state)))
        return send(400, { message: 'state does not have a valid value' });
      g.statuses.push({ sha: st[2], ...b });
      return send(201, { id: this.nextId++, ...b });
    }
    return send(404, { message: '404 Not Found' });
  }

  private githubRoute(
    req: IncomingMessage,
    url: URL,
    body: unknown,
    send: (s: number, d: unknown, h?: Record<string, string>) => void,
  ): void {
    const h = this.github;
    const auth = String(req.headers.authorization ?? '');
    if (auth !== `token ${h.token}` && auth !== `bearer ${h.token}` && auth !== `Bearer ${h.token}`)
      return send(401, { message: 'Bad credentials' });
    if (!String(req.headers['user-agent'] ?? '')) return send(403, { message: 'User-Agent required' });
    if (url.pathname === '/user' && req.method === 'GET')
      return h.tokenKind === 'installation'
        ? send(403, {
            message: 'Resource not accessible by integration',
            documentation_url: 'https://docs.github.com/rest/users/users#get-the-authenticated-user',
          })
        : send(200, { ...h.user, type: 'User' });
    const team = url.pathname.match(/^\/orgs\/([^/]+)\/teams\/([^/]+)\/members$/);
    if (team && req.method === 'GET') {
      const list = h.teamMembers[`${team[1]}/${team[2]}`];
      if (!list) return send(404, { message: 'Not Found' });
      return send(
        200,
        list.map((login, i) => ({ id: i + 1, login })),
      );
    }
    const repo = `/repos/${h.owner}/${h.repo}`;
    if (!url.pathname.startsWith(`${repo}/`)) return send(404, { message: 'Not Found' });
    const p = url.pathname.slice(repo.length);
    const list = p.match(/^\/issues\/(\d+)\/comments$/);
    if (list) {
      if (Number(list[1]) !== h.pr) return send(404, { message: 'Not Found' });
      if (req.method === 'GET') {
        const per = Number(url.searchParams.get('per_page') ?? 30);
        const page = Number(url.searchParams.get('page') ?? 1);
        const pages = Math.ceil(h.comments.length / per);
        const link: Record<string, string> =
          page < pages ? { link: `<${this.url}${url.pathname}?per_page=${per}&page=${page + 1}>; rel="next"` } : {};
        return send(200, h.comments.slice((page - 1) * per, page * per), link);
      }
      if (req.method === 'POST') {
        const text = (body as { body?: unknown })?.body;
        if (typeof text !== 'string' || !text) return send(422, { message: 'Validation Failed' });
        if (text.length > 65_536)
          return send(422, {
            message: 'Validation Failed',
            errors: [{ message: 'Body is too long (maximum is 65536 characters)' }],
          });
        const c = {
          id: this.nextId++,
          body: text,
          html_url: `${this.url}/${h.owner}/${h.repo}/pull/${h.pr}#issuecomment-${this.nextId}`,
          user: this.githubAuthor(),
        };
        h.comments.push(c);
        return send(201, c);
      }
    }
    const edit = p.match(/^\/issues\/comments\/(\d+)$/);
    if (edit && req.method === 'PATCH') {
      const c = h.comments.find((x) => x.id === Number(edit[1]));
      if (!c) return send(404, { message: 'Not Found' });
      const text = (body as { body?: unknown })?.body;
      if (typeof text !== 'string' || !text) return send(422, { message: 'Validation Failed' });
      if (text.length > 65_536) return send(422, { message: 'Validation Failed' });
      c.body = text;
      return send(200, c);
    }
    const st = p.match(/^\/statuses\/([0-9a-f]{40})$/);
    if (st && req.method === 'POST') {
      const b = body as Record<string, unknown>;
      if (!['error', 'failure', 'pending', 'success'].includes(String(b?.state)))
        return send(422, { message: 'Validation Failed' });
      h.statuses.push({ sha: st[1], ...b });
      return send(201, { id: this.nextId++, ...b });
    }
    const commitPulls = p.match(/^\/commits\/([0-9a-f]{40})\/pulls$/);
    if (commitPulls && req.method === 'GET') return send(200, h.pullsOfCommit[commitPulls[1]!] ?? []);
    const reviews = p.match(/^\/pulls\/(\d+)\/reviews$/);
    if (reviews && req.method === 'GET') {
      if (Number(reviews[1]) !== h.pr) return send(404, { message: 'Not Found' });
      return send(200, h.reviews);
    }
    return send(404, { message: 'Not Found' });
  }

  /** Who a comment written with the current token is by. */
  githubAuthor(): { id: number; login: string } {
    return this.github.tokenKind === 'installation'
      ? { id: 41898282, login: 'github-actions[bot]' }
      : { ...this.github.user };
  }
}
