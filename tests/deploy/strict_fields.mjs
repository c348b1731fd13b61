// Unknown or misspelt fields (`terminationGracePeriodSecond`,
// `runAsNonroot`) are accepted by the schema validators and silently ignored
// by the API server's non-strict decoding. This check is strict: each
// rendered object becomes a typed object literal of its kubernetes-models
// interface (generated from the same Kubernetes 1.27 OpenAPI definitions),
// and the TypeScript compiler (pinned) rejects any property the API does not
// define, at any depth, along with wrong types and literal values.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OVERLAYS, ROOT, Report, render } from "./lib.mjs";

const report = new Report("deploy_strict_fields");
const dir = mkdtempSync(join(tmpdir(), "sales-k8s-strict-"));
try {
  const imports = new Map();
  const ranges = []; // [firstLine, lastLine, label]
  let body = "";
  let line = 1;
  const emit = (text) => {
    body += text;
    line += (text.match(/\n/g) ?? []).length;
  };
  for (const overlay of ["base", ...OVERLAYS.map((o) => `overlays/${o}`)]) {
    let objects;
    try {
      objects = render(overlay);
    } catch (e) {
      report.fail(`${overlay}: ${e.message}`);
      continue;
    }
    for (const o of objects) {
      const alias = `I${o.kind}_${String(o.apiVersion).replace(/[^A-Za-z0-9]/g, "_")}`;
      imports.set(alias, `import type { I${o.kind} as ${alias} } from "kubernetes-models/${o.apiVersion}/${o.kind}";`);
      const first = line;
      emit(`export const o_${ranges.length}: ${alias} = ${JSON.stringify(o, null, 1)};\n`);
      ranges.push([first, line - 1, `${overlay}: ${o.kind}/${o.metadata?.name}`]);
    }
  }
  const header = [...imports.values()].join("\n") + "\n";
  const headerLines = imports.size;
  writeFileSync(join(dir, "objects.ts"), header + body);
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, target: "es2020", module: "commonjs", moduleResolution: "node",
      baseUrl: join(ROOT, "node_modules"), typeRoots: [], types: [], skipLibCheck: true,
    },
    files: ["objects.ts"],
  }));
  let output = "";
  try {
    execFileSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", dir], { encoding: "utf8", stdio: "pipe" });
  } catch (e) {
    output = `${e.stdout ?? ""}${e.stderr ?? ""}`;
    if (!output) throw e;
  }
  const errors = output.split("\n").filter((l) => /error TS\d+/.test(l));
  const failed = new Set();
  for (const err of errors) {
    const m = /objects\.ts\((\d+),\d+\): (.*)$/.exec(err);
    const at = m ? Number(m[1]) - headerLines : NaN;
    const r = ranges.find(([a, b]) => at >= a && at <= b);
    if (r) failed.add(r[2]);
    report.fail(r ? `${r[2]}: ${m[2]}` : err);
  }
  if (errors.length === 0 && output.trim()) report.fail(`tsc: ${output.trim()}`);
  for (const r of ranges) if (!failed.has(r[2])) report.check(true, r[2]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
report.finish();
