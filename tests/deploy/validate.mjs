// Every object each overlay renders validates against the Kubernetes API
// schemas, offline: kubernetes-models (pinned in package-lock.json) carries
// validators compiled from the Kubernetes 1.27 OpenAPI definitions (types,
// required fields, formats such as quantities, enums), and the kind must be
// one that API version serves.
import { OVERLAYS, Report, render } from "./lib.mjs";

const report = new Report("deploy_validate");

// apiVersion → the kubernetes-models module that holds its kinds.
// ("v1" is the core group: kubernetes-models/v1; "apps/v1": kubernetes-models/apps/v1.)
function modulePath(apiVersion) {
  return `kubernetes-models/${apiVersion}`;
}

const modules = new Map();
async function modelFor(apiVersion, kind) {
  if (!modules.has(apiVersion)) {
    try {
      modules.set(apiVersion, await import(modulePath(apiVersion)));
    } catch {
      modules.set(apiVersion, null);
    }
  }
  const mod = modules.get(apiVersion);
  return mod ? mod[kind] : undefined;
}

for (const overlay of ["base", ...OVERLAYS.map((o) => `overlays/${o}`)]) {
  let objects;
  try {
    objects = render(overlay);
  } catch (e) {
    report.fail(`${overlay}: ${e.message}`);
    continue;
  }
  report.check(objects.length > 0, `${overlay} renders no objects`);
  for (const o of objects) {
    const id = `${overlay}: ${o.kind ?? "?"}/${o.metadata?.name ?? "?"}`;
    if (!o.apiVersion || !o.kind) {
      report.fail(`${id}: no apiVersion or kind`);
      continue;
    }
    const Model = await modelFor(o.apiVersion, o.kind);
    if (!report.check(typeof Model === "function", `${id}: ${o.apiVersion} has no kind ${o.kind}`)) continue;
    try {
      new Model(o).validate();
      report.check(true, id);
    } catch (e) {
      report.fail(`${id}: ${e.message}`);
    }
  }
}
report.finish();
