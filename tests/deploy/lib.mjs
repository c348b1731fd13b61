// Shared by the deployment checks: renders the kustomize overlays with
// kubectl (offline: `kubectl kustomize` never contacts a cluster), reads the
// call graph, and answers NetworkPolicy questions the way the API defines
// them (a pod selected by no policy of a direction allows everything in that
// direction; otherwise the union of the selecting policies' rules applies).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, parseAllDocuments } from "yaml";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
// K8S_DIR lets the failure demonstrations run the checks on a broken copy.
export const K8S = process.env.SALES_K8S_DIR ? resolve(process.env.SALES_K8S_DIR) : join(ROOT, "k8s");
export const OVERLAYS = ["dev", "prod"];

export function render(dir) {
  const path = join(K8S, dir);
  if (!existsSync(path)) throw new Error(`${path} does not exist`);
  let out;
  try {
    out = execFileSync("kubectl", ["kustomize", path], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    if (e.code === "ENOENT") throw new Error("kubectl is not installed (needed for `kubectl kustomize`)");
    throw new Error(`kubectl kustomize ${path} failed:\n${e.stderr || e.message}`);
  }
  const docs = parseAllDocuments(out);
  const objects = [];
  for (const d of docs) {
    if (d.errors.length) throw new Error(`rendered YAML of ${dir} does not parse: ${d.errors[0].message}`);
    const o = d.toJS();
    if (o) objects.push(o);
  }
  return objects;
}

export function callGraph() {
  return parse(readFileSync(join(K8S, "call-graph.yaml"), "utf8"));
}

// --------------------------------------------------------------- reporting
export class Report {
  constructor(name) {
    this.name = name;
    this.passed = 0;
    this.failures = [];
    this.notes = [];
  }
  check(ok, what) {
    if (ok) this.passed++;
    else this.failures.push(what);
    return ok;
  }
  fail(what) {
    this.failures.push(what);
  }
  note(what) {
    this.notes.push(what);
  }
  finish() {
    for (const n of this.notes) console.log(`note: ${n}`);
    for (const f of this.failures) console.log(`FAIL: ${f}`);
    console.log(`${this.name}: ${this.passed} passed, ${this.failures.length} failed`);
    process.exit(this.failures.length ? 1 : 0);
  }
}

// --------------------------------------------------------------- workloads
// A workload is anything that runs pods: its pod template, labels, ports.
export function workloads(objects) {
  const out = [];
  for (const o of objects) {
    let tpl = null;
    if (["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"].includes(o.kind)) tpl = o.spec?.template;
    else if (o.kind === "Job") tpl = o.spec?.template;
    else if (o.kind === "CronJob") tpl = o.spec?.jobTemplate?.spec?.template;
    else if (o.kind === "Pod") tpl = o;
    if (!tpl) continue;
    const labels = tpl.metadata?.labels ?? {};
    const containers = tpl.spec?.containers ?? [];
    out.push({
      kind: o.kind,
      name: o.metadata.name,
      namespace: o.metadata.namespace ?? "default",
      object: o,
      pod: tpl.spec ?? {},
      podMeta: tpl.metadata ?? {},
      labels,
      app: labels["app.kubernetes.io/name"],
      containers,
      ports: containers.flatMap((c) => (c.ports ?? []).map((p) => ({ ...p, protocol: p.protocol ?? "TCP" }))),
    });
  }
  return out;
}

export function byKind(objects, kind) {
  return objects.filter((o) => o.kind === kind);
}

// ------------------------------------------------------------ label logic
export function selectorMatches(selector, labels) {
  if (selector == null) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    if (e.operator === "In" && !(has && e.values.includes(labels[e.key]))) return false;
    if (e.operator === "NotIn" && has && e.values.includes(labels[e.key])) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}

// ------------------------------------------------------- NetworkPolicy
function policyTypes(p) {
  if (p.spec.policyTypes?.length) return p.spec.policyTypes;
  return p.spec.egress ? ["Ingress", "Egress"] : ["Ingress"];
}

// A peer endpoint: a pod of some workload in some namespace (with that
// namespace's labels), or an address outside the cluster.
export function podEndpoint(w) {
  return { namespace: w.namespace, nsLabels: { "kubernetes.io/metadata.name": w.namespace }, labels: w.labels, ports: w.ports };
}

function peerMatches(peer, policyNs, ep) {
  if (peer.ipBlock) return ep.ip != null && ipInBlock(ep.ip, peer.ipBlock);
  if (ep.ip != null) return false;
  if (peer.namespaceSelector) {
    if (!selectorMatches(peer.namespaceSelector, ep.nsLabels)) return false;
  } else if (ep.namespace !== policyNs) {
    return false;
  }
  return peer.podSelector ? selectorMatches(peer.podSelector, ep.labels) : true;
}

function portMatches(rulePorts, dst, port, protocol) {
  if (!rulePorts || rulePorts.length === 0) return true;
  return rulePorts.some((rp) => {
    if ((rp.protocol ?? "TCP") !== protocol) return false;
    if (rp.port == null) return true;
    let number = rp.port;
    if (typeof rp.port === "string") {
      const named = (dst.ports ?? []).find((p) => p.name === rp.port && p.protocol === protocol);
      if (!named) return false;
      number = named.containerPort;
    }
    return rp.endPort != null ? port >= number && port <= rp.endPort : port === number;
  });
}

function ipToInt(ip) {
  return ip.split(".").reduce((a, b) => a * 256 + Number(b), 0);
}
function ipInBlock(ip, block) {
  const inCidr = (cidr) => {
    const [base, bits] = cidr.split("/");
    const size = 2 ** (32 - Number(bits));
    const start = Math.floor(ipToInt(base) / size) * size;
    const v = ipToInt(ip);
    return v >= start && v < start + size;
  };
  return inCidr(block.cidr) && !(block.except ?? []).some(inCidr);
}

// Whether `src` may open a connection to `dst` on port/protocol, given all
// policies (both ends must allow it; ends outside the namespace have no
// policies of ours).
export function connectionAllowed(policies, src, dst, port, protocol = "TCP") {
  const egressOk = (() => {
    if (src.ip != null || src.external) return true;
    const sel = policies.filter(
      (p) => (p.metadata.namespace ?? "default") === src.namespace && policyTypes(p).includes("Egress") &&
        selectorMatches(p.spec.podSelector, src.labels));
    if (sel.length === 0) return true;
    return sel.some((p) =>
      (p.spec.egress ?? []).some((rule) =>
        (!rule.to || rule.to.length === 0 || rule.to.some((peer) => peerMatches(peer, src.namespace, dst))) &&
        portMatches(rule.ports, dst, port, protocol)));
  })();
  if (!egressOk) return false;
  if (dst.ip != null) return true;
  const sel = policies.filter(
    (p) => (p.metadata.namespace ?? "default") === dst.namespace && policyTypes(p).includes("Ingress") &&
      selectorMatches(p.spec.podSelector, dst.labels));
  if (sel.length === 0) return true;
  return sel.some((p) =>
    (p.spec.ingress ?? []).some((rule) =>
      (!rule.from || rule.from.length === 0 || rule.from.some((peer) => peerMatches(peer, dst.namespace, src))) &&
      portMatches(rule.ports, dst, port, protocol)));
}

// ------------------------------------------------------------- code scan
function sourceFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      const st = statSync(p);
      if (st.isDirectory()) {
        if (e !== "migrations") walk(p);
      } else if (/\.(cc|h)$/.test(e)) out.push(p);
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

function stripComments(src) {
  return src.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/[^\n]*/g, "");
}

const PEER_PATTERNS = [
  /PeerChannel\s*\(\s*"(\w+)"\s*\)/g,
  /HasPeer\s*\(\s*"(\w+)"\s*\)/g,
  /FollowFeed\s*<[^>]*>\s*\(\s*[^,()]+(?:\([^)]*\))?\s*,\s*"(\w+)"/g,
  /"(\w+)_address"/g,
  // A peer's generated stub: no gRPC call to a service without one, whatever
  // wrapper hands out the channel.
  /\b(\w+)::v1::\w+Service::NewStub\b/g,
  // A typed peer client (platform/peers/): GrpcPeer<orders::v1::OrdersService>.
  /\bGrpcPeer\s*<\s*(\w+)::v1::\w+Service\s*>/g,
  // A backend table entry: {"orders", "sales.orders.v1.OrdersService"} (the gateway).
  /\{\s*"(\w+)"\s*,\s*"sales\.\w+\.v1\.\w+Service"\s*\}/g,
];

function peersIn(src) {
  const found = new Set();
  for (const re of PEER_PATTERNS) for (const m of src.matchAll(re)) found.add(m[1]);
  return found;
}

// The calls each process's code makes: [{from, to, where}], and problems
// (a platform file calling a peer that no listed helper accounts for).
export function codeCalls(graph) {
  const names = new Set(Object.keys(graph.processes));
  const calls = [];
  const problems = [];
  const helpers = graph.helpers ?? {};
  for (const [name, h] of Object.entries(helpers)) {
    const path = join(ROOT, h.file);
    if (!existsSync(path)) {
      problems.push(`helper ${name}: ${h.file} does not exist`);
      continue;
    }
    const src = stripComments(readFileSync(path, "utf8"));
    if (!new RegExp(`\\b${name}\\b`).test(src)) problems.push(`helper ${name} is not defined in ${h.file}`);
    if (!peersIn(src).has(h.calls)) problems.push(`helper ${name} (${h.file}) no longer calls ${h.calls}`);
  }
  // Platform code that calls a peer by name must be a listed helper.
  const helperFiles = new Set(Object.values(helpers).map((h) => h.file));
  for (const f of sourceFiles(join(ROOT, "platform"))) {
    const rel = relative(ROOT, f);
    const peers = [...peersIn(stripComments(readFileSync(f, "utf8")))].filter((p) => names.has(p));
    if (peers.length && !helperFiles.has(rel)) {
      problems.push(`${rel} calls ${peers.join(", ")} on a service's behalf; list it under helpers in k8s/call-graph.yaml`);
    }
  }
  for (const [proc, p] of Object.entries(graph.processes)) {
    if (!p.dir) continue;
    for (const f of sourceFiles(join(ROOT, p.dir))) {
      const src = stripComments(readFileSync(f, "utf8"));
      const rel = relative(ROOT, f);
      for (const peer of peersIn(src)) {
        if (names.has(peer) && peer !== proc) calls.push({ from: proc, to: peer, where: rel });
      }
      for (const [name, h] of Object.entries(helpers)) {
        // Called (a function) or made (a typed client): any use of the name.
        if (new RegExp(`\\b${name}\\b`).test(src)) calls.push({ from: proc, to: h.calls, where: `${rel} (${name})` });
      }
    }
  }
  return { calls, problems };
}

// Services a CronJob's command calls: "salesctl call <service>/<Method>" or
// a script invoked with "<service>/<Method>".
// `salesctl sweep <job>`'s jobs as salesctl itself defines them (its
// kDailyJobs table): job name → "<service>/<Method>".
export function salesctlDailyJobs() {
  const src = readFileSync(join(ROOT, "tools/salesctl/main.cc"), "utf8");
  const table = src.slice(src.indexOf("kDailyJobs[]"), src.indexOf("};", src.indexOf("kDailyJobs[]")));
  return new Map([...table.matchAll(/\{"([a-z-]+)", "(\w+\/\w+)"\}/g)].map((m) => [m[1], m[2]]));
}

export function cronJobCalls(cronjob, names) {
  const c = cronjob.spec.jobTemplate.spec.template.spec.containers ?? [];
  const words = c.flatMap((x) => [...(x.command ?? []), ...(x.args ?? [])]).map(String);
  const jobs = salesctlDailyJobs();
  const out = new Set();
  words.forEach((w, i) => {
    const methods = [w];
    // salesctl sweep <job|all>: the services its job table names.
    if (i > 0 && words[i - 1] === "sweep" && words.slice(0, i).some((x) => x.endsWith("salesctl"))) {
      methods.push(...(w === "all" ? [...jobs.values()] : jobs.has(w) ? [jobs.get(w)] : []));
    }
    for (const m of methods.flatMap((x) => [...x.matchAll(/\b(\w+)\/[A-Z]\w+\b/g)])) if (names.has(m[1])) out.add(m[1]);
  });
  return out;
}

// "20s", "1m30s", "500ms" → seconds (the absl::ParseDuration forms we use).
export function durationSeconds(s) {
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let m;
  let seen = "";
  while ((m = re.exec(s))) {
    seen += m[0];
    total += Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2]];
  }
  if (seen !== s) return NaN;
  return total;
}

// Kubernetes quantities → numbers (cores, bytes).
export function quantity(q) {
  const s = String(q);
  const m = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(s);
  if (!m) return NaN;
  const mult = { undefined: 1, m: 0.001, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2]];
  return Number(m[1]) * mult;
}

// ------------------------------------------------- config keys in the code
// Which code reads a config key, as far as a text scan can tell. platform/'s
// .cc files are cut into definitions: a free function is a unit, and all
// methods of one class are one unit (a caller names the class, then calls
// its methods). A unit reads `key` when its body holds the literal "key",
// calls a free function that reads it, or names a class that does; a
// process reads it when its own sources do one of those.
function platformUnits() {
  const units = new Map(); // unit name → { body, where }
  for (const f of sourceFiles(join(ROOT, "platform"))) {
    if (!f.endsWith(".cc")) continue;
    const src = stripComments(readFileSync(f, "utf8"));
    for (const chunk of src.split(/\n\}[ \t]*\n/)) {
      const lines = chunk.split("\n");
      // The definition this chunk ends with: its last unindented line with a
      // parenthesis that is not a declaration (bodies are indented).
      const heads = lines
        .map((l, i) => ({ l, i }))
        .filter(({ l }) => /^[A-Za-z_~]/.test(l) && l.includes("(") && !/;\s*$/.test(l) &&
          !/^(namespace|using|template|typedef)\b/.test(l));
      if (!heads.length) continue;
      const { l: head, i } = heads[heads.length - 1];
      const m = /([A-Za-z_~]\w*(?:::[A-Za-z_~]\w*)*)\s*\(/.exec(head);
      if (!m) continue;
      const parts = m[1].split("::");
      const name = parts.length > 1 ? `class ${parts[parts.length - 2]}` : parts[0];
      const body = lines.slice(i).join("\n");
      const u = units.get(name) ?? { body: "", where: relative(ROOT, f) };
      u.body += "\n" + body;
      units.set(name, u);
    }
  }
  return units;
}

function mentionsUnit(text, name) {
  return name.startsWith("class ")
    ? new RegExp(`\\b${name.slice(6)}\\b`).test(text)
    : new RegExp(`\\b${name}\\s*\\(`).test(text);
}

// The platform units that read `key` (directly or through other units).
export function platformReadersOf(key) {
  const units = platformUnits();
  const readers = new Set([...units].filter(([, u]) => u.body.includes(`"${key}"`)).map(([n]) => n));
  for (let grew = true; grew;) {
    grew = false;
    for (const [n, u] of units) {
      if (!readers.has(n) && [...readers].some((r) => r !== n && mentionsUnit(u.body, r))) {
        readers.add(n);
        grew = true;
      }
    }
  }
  return new Map([...readers].map((n) => [n, units.get(n).where]));
}

// Files under `dir` (relative to the repository) whose code has "key" as a
// string literal.
export function filesWithLiteral(dir, key) {
  return sourceFiles(join(ROOT, dir))
    .filter((f) => stripComments(readFileSync(f, "utf8")).includes(`"${key}"`))
    .map((f) => relative(ROOT, f));
}

// How the sources under `dir` read `key`: "file.cc" (the literal "key", or
// "SALES_KEY" for a tool that reads its environment directly, as salesctl
// does), "file.cc via Unit" (a platform unit that reads it), or null.
export function processReads(dir, key) {
  const direct = [...filesWithLiteral(dir, key), ...filesWithLiteral(dir, `SALES_${key.toUpperCase()}`)];
  if (direct.length) return direct[0];
  const readers = platformReadersOf(key);
  for (const f of sourceFiles(join(ROOT, dir))) {
    const src = stripComments(readFileSync(f, "utf8"));
    for (const [r, where] of readers) {
      if (mentionsUnit(src, r)) return `${relative(ROOT, f)} via ${r.replace(/^class /, "")} (${where})`;
    }
  }
  return null;
}
