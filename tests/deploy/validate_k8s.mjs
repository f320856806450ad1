#!/usr/bin/env node
// Renders deploy/k8s with `kubectl kustomize` and checks every object:
//
//  1. against the Kubernetes schemas: the matching kubernetes-models class's
//     validate() (types, required fields, formats), plus a strict pass that
//     rejects fields the schema does not know (validate() lets unknown
//     fields through, so a misspelt `readinesProbe` would otherwise pass);
//     the same for deploy/k8s/secret-token.example.yaml, which is applied by
//     hand;
//  2. against the farm's own contract (docs/deploy.md): images
//     without a registry host, workers with a class node selector and
//     `--label class=`, requests = limits, one worker per node (required
//     anti-affinity, rolled out without a surge pod), one
//     PodDisruptionBudget per worker class that lets drains proceed one
//     worker at a time (and none for the coordinator), gRPC probes on the gRPC port,
//     Prometheus annotations on the metrics port, the coordinator resolving
//     the headless worker Service with dns:///, its results store on a
//     PersistentVolumeClaim with one Recreate replica, the token from the Secret
//     everywhere, Services selecting the right pods, the CronJob submitting a
//     suite whose files all resolve in the mounted ConfigMaps, and the
//     ConfigMaps holding exactly the files of bench/;
//  3. kustomization.yaml uses no deprecated field (labels, not commonLabels),
//     and kustomize prints nothing on stderr, for deploy/k8s or for the
//     documented overlay: any warning fails the test.
//
//   node tests/deploy/validate_k8s.mjs [--repo DIR] [--kubectl PATH]
//
// Needs the npm packages of package.json (scripts/install-deps runs npm ci).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
function option(name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}
const repo = path.resolve(option("--repo", path.join(here, "..", "..")));
const kubectl = option("--kubectl", "kubectl");
const require = createRequire(path.join(repo, "package.json"));

let YAML;
try {
  YAML = require("yaml");
  require.resolve("kubernetes-models/package.json");
} catch (e) {
  console.error(`npm packages missing in ${repo}/node_modules (run scripts/install-deps): ${e.message}`);
  console.log("0 passed, 1 failed");
  process.exit(1);
}
const modelsRoot = path.dirname(require.resolve("kubernetes-models/package.json"));

let passed = 0;
let failed = 0;
function check(ok, message) {
  if (ok) passed++;
  else {
    failed++;
    console.log(`FAIL: ${message}`);
  }
  return ok;
}

// --- schemas --------------------------------------------------------------------

// apiVersion + kind -> the kubernetes-models module, e.g. apps/v1 Deployment
// -> kubernetes-models/apps/v1/Deployment.
function modelFile(apiVersion, kind) {
  return path.join(modelsRoot, apiVersion, kind); // apiVersion "v1" or "group/version"
}

async function loadModel(apiVersion, kind) {
  const base = modelFile(apiVersion, kind);
  if (!fs.existsSync(base + ".js")) return null;
  const mod = await import(`kubernetes-models/${apiVersion}/${kind}`);
  return { Class: mod[kind], dts: base + ".d.ts" };
}

// The properties of the interface a .d.ts file declares, with their types,
// read from the generated declarations (the strict unknown-field pass).
const interfaces = new Map();
function readInterface(dtsFile) {
  if (interfaces.has(dtsFile)) return interfaces.get(dtsFile);
  const text = fs.readFileSync(dtsFile, "utf8");
  const imports = new Map();
  for (const m of text.matchAll(/^import \{ (\w+) \} from "([^"]+)";$/gm)) imports.set(m[1], m[2]);
  const start = text.search(/^export interface \w+/m);
  const info = { props: new Map(), typeMeta: false, file: dtsFile };
  if (start >= 0) {
    const header = text.slice(start, text.indexOf("{", start));
    info.typeMeta = /extends TypeMeta/.test(header);
    const lines = text.slice(start).split("\n");
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      if (/^\}/.test(line)) break;
      const m = line.match(/^ {4}"([^"]+)"\??: (.*?);?$/);
      if (!m) continue;
      const type = m[2];
      let ref = null;
      let array = false;
      let t = type;
      const arr = t.match(/^Array<(\w+)>$/);
      if (arr) {
        array = true;
        t = arr[1];
      }
      if (imports.has(t)) ref = resolveImport(dtsFile, imports.get(t));
      info.props.set(m[1], { type, ref, array, map: type.trim() === "{" });
    }
  }
  interfaces.set(dtsFile, info);
  return info;
}

function resolveImport(fromFile, spec) {
  if (spec.startsWith(".")) return path.resolve(path.dirname(fromFile), spec) + ".d.ts";
  const parts = spec.split("/");
  const pkg = spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
  const rest = parts.slice(pkg.split("/").length).join("/");
  const pkgDir = path.dirname(require.resolve(`${pkg}/package.json`));
  return path.join(pkgDir, rest) + ".d.ts";
}

// Fields of `value` that its schema type (a .d.ts interface) does not know.
function unknownFields(value, dtsFile, where, out) {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return out;
  const info = readInterface(dtsFile);
  if (info.props.size === 0) return out; // a free-form type (e.g. RawExtension, Quantity)
  for (const [key, v] of Object.entries(value)) {
    if (info.typeMeta && (key === "apiVersion" || key === "kind")) continue;
    const prop = info.props.get(key);
    if (!prop) {
      out.push(`${where}.${key} (not a field of ${path.basename(dtsFile, ".d.ts")})`);
      continue;
    }
    if (!prop.ref || !fs.existsSync(prop.ref)) continue;
    if (prop.array && Array.isArray(v)) v.forEach((item, i) => unknownFields(item, prop.ref, `${where}.${key}[${i}]`, out));
    else unknownFields(v, prop.ref, `${where}.${key}`, out);
  }
  return out;
}

async function validateSchema(obj, label) {
  const model = await loadModel(obj.apiVersion, obj.kind);
  if (!check(model !== null, `${label}: no Kubernetes schema for ${obj.apiVersion} ${obj.kind}`)) return;
  try {
    new model.Class(obj).validate();
    check(true);
  } catch (e) {
    check(false, `${label}: ${e.message}`);
  }
  const unknown = unknownFields(obj, model.dts, obj.kind, []);
  check(unknown.length === 0, `${label}: unknown field(s): ${unknown.join(", ")}`);
}

// --- rendering ------------------------------------------------------------------

// Runs a command; its stdout, or null when it failed. Anything on its stderr
// (a kustomize deprecation warning, say) is a failure too.
function runQuietly(label, command, argv, options = {}) {
  const r = spawnSync(command, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...options });
  if (!check(r.status === 0, `${label} failed (${r.error?.message || `exit ${r.status}`}): ${r.stderr}`)) return null;
  check(r.stderr === "", `${label} printed on stderr: ${r.stderr}`);
  return r.stdout;
}

function render() {
  return runQuietly("kubectl kustomize deploy/k8s", kubectl, ["kustomize", path.join(repo, "deploy", "k8s")]);
}

function parseStream(text, label) {
  const docs = YAML.parseAllDocuments(text);
  const objects = [];
  for (const d of docs) {
    if (d.errors.length) {
      check(false, `${label}: YAML error: ${d.errors.map((e) => e.message).join("; ")}`);
      continue;
    }
    const o = d.toJS();
    if (o) objects.push(o);
  }
  return objects;
}

// --- the farm's contract -----------------------------------------------------------

const NAMESPACE = "gene-farm";
const SECRET = { name: "gene-farm-token", key: "token" };

function argValue(argv, flag) {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
}
function portOf(address) {
  return Number(String(address).split(":").pop());
}
function containerPort(container, name) {
  const p = (container.ports || []).find((x) => x.name === name);
  return p ? p.containerPort : undefined;
}
function selects(selector, labels) {
  return Object.entries(selector || {}).every(([k, v]) => labels && labels[k] === v);
}
function podSpec(o) {
  if (o.kind === "CronJob") return o.spec.jobTemplate.spec.template.spec;
  return o.spec.template.spec;
}
function podLabels(o) {
  if (o.kind === "CronJob") return o.spec.jobTemplate.spec.template.metadata?.labels || {};
  return o.spec.template.metadata?.labels || {};
}

function checkImage(image, label) {
  const m = String(image).match(/^([^:@]+)(?::[\w][\w.-]*)?$/);
  const name = m ? m[1] : image;
  check(["gene-farm/coordinator", "gene-farm/worker"].includes(name),
    `${label}: image ${image} is not gene-farm/coordinator or gene-farm/worker without a registry host`);
}

function checkToken(container, label) {
  const env = (container.env || []).find((e) => e.name === "GENE_FARM_TOKEN");
  const ref = env?.valueFrom?.secretKeyRef;
  check(ref && ref.name === SECRET.name && ref.key === SECRET.key,
    `${label}: GENE_FARM_TOKEN must come from secretKeyRef ${SECRET.name}/${SECRET.key}`);
}

function checkServer(o, container, label, expectedBinary) {
  const argv = [...(container.command || []), ...(container.args || [])];
  check(argv[0] === `/usr/local/bin/${expectedBinary}`, `${label}: command is not /usr/local/bin/${expectedBinary}`);
  const grpc = containerPort(container, "grpc");
  const metrics = containerPort(container, "metrics");
  check(grpc && portOf(argValue(argv, "--listen")) === grpc, `${label}: --listen port is not the grpc containerPort`);
  // /metrics on the pod's address, where Prometheus scrapes it: --metrics-port
  // (on the --listen host, 0.0.0.0), or --metrics-listen on a non-loopback host.
  const metricsListen = argValue(argv, "--metrics-listen");
  const metricsPort = metricsListen !== undefined ? portOf(metricsListen) : Number(argValue(argv, "--metrics-port"));
  check(metrics && metricsPort === metrics, `${label}: --metrics-port (or --metrics-listen) is not the metrics containerPort`);
  check(metricsListen === undefined || !/^(127\.|localhost:|\[::1\]:)/.test(metricsListen),
    `${label}: --metrics-listen ${metricsListen} is loopback: Prometheus could not scrape the pod`);
  for (const probe of ["readinessProbe", "livenessProbe"]) {
    check(container[probe]?.grpc?.port === grpc, `${label}: ${probe} is not a grpc probe on port ${grpc}`);
  }
  const ann = o.spec.template.metadata?.annotations || {};
  check(ann["prometheus.io/scrape"] === "true", `${label}: no prometheus.io/scrape: "true" annotation`);
  check(Number(ann["prometheus.io/port"]) === metrics, `${label}: prometheus.io/port is not the metrics port`);
  checkToken(container, label);
  return { grpc, metrics, argv };
}

// Two workers on one node disturb each other's timings: a worker may not be
// scheduled beside any other (requiredDuring..., not preferred), and a
// rollout must not need a spare node for a surge pod.
function checkOnePerNode(d, spec, workers, label) {
  const terms = spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution || [];
  const hostTerms = terms.filter((t) => t.topologyKey === "kubernetes.io/hostname" && !t.namespaces && !t.namespaceSelector);
  check(hostTerms.length > 0, `${label}: no required pod anti-affinity on kubernetes.io/hostname (one worker per node)`);
  for (const w of workers) {
    check(hostTerms.some((t) => t.labelSelector && !t.labelSelector.matchExpressions && selects(t.labelSelector.matchLabels, podLabels(w))),
      `${label}: its anti-affinity does not keep it off nodes running ${w.metadata.name}'s pods`);
  }
  const ru = d.spec.strategy?.rollingUpdate;
  check(d.spec.strategy?.type === "RollingUpdate" && String(ru?.maxSurge) === "0" && ru?.maxUnavailable !== undefined &&
      String(ru.maxUnavailable) !== "0" && String(ru.maxUnavailable) !== "0%",
    `${label}: strategy must be RollingUpdate with maxSurge 0 and maxUnavailable > 0 (a surge pod needs a free node)`);
}

// Exactly one budget covers a class's pods (the eviction API refuses pods
// under two), it selects nothing but that class's workers, and it lets a
// drain evict a worker even when the class has a single replica.
function checkDisruptionBudget(d, budgets, label) {
  const pods = podLabels(d);
  const mine = budgets.filter((b) => selects(b.spec.selector?.matchLabels, pods));
  if (!check(mine.length === 1, `${label}: ${mine.length} PodDisruptionBudgets select its pods; expected exactly 1`)) return;
  const b = mine[0];
  const name = `PodDisruptionBudget/${b.metadata.name}`;
  check(!b.spec.selector.matchExpressions && selects(b.spec.selector.matchLabels, pods) &&
      selects(b.spec.selector.matchLabels, d.spec.selector.matchLabels),
    `${name}: selector is not (a subset of) ${label}'s pod selector`);
  check(b.spec.minAvailable === undefined && Number.isInteger(b.spec.maxUnavailable) && b.spec.maxUnavailable >= 1,
    `${name}: wants maxUnavailable >= 1 (an integer) and no minAvailable, so that drains proceed one worker at a time`);
  check(b.spec.maxUnavailable < Math.max(2, d.spec.replicas ?? 1),
    `${name}: maxUnavailable ${b.spec.maxUnavailable} lets a drain take every worker of ${label}`);
}

function checkFarm(objects) {
  const byKind = (kind) => objects.filter((o) => o.kind === kind);
  const named = (kind, name) => objects.find((o) => o.kind === kind && o.metadata.name === name);

  check(named("Namespace", NAMESPACE), `no Namespace ${NAMESPACE}`);
  for (const o of objects) {
    if (o.kind !== "Namespace") {
      check(o.metadata.namespace === NAMESPACE, `${o.kind}/${o.metadata.name}: namespace is not ${NAMESPACE}`);
    }
    check(o.metadata.labels?.["app.kubernetes.io/part-of"] === "gene-farm",
      `${o.kind}/${o.metadata.name}: no app.kubernetes.io/part-of: gene-farm label (kustomization labels)`);
  }
  check(!byKind("Secret").length, "a Secret is rendered: kubectl apply -k would overwrite the real token");

  // Pods' images, tokens and security.
  for (const o of objects.filter((x) => ["Deployment", "CronJob"].includes(x.kind))) {
    const spec = podSpec(o);
    check(spec.securityContext?.runAsNonRoot === true, `${o.kind}/${o.metadata.name}: pods do not run as non-root`);
    for (const c of spec.containers) {
      const label = `${o.kind}/${o.metadata.name} container ${c.name}`;
      checkImage(c.image, label);
      checkToken(c, label);
    }
  }

  // The headless worker Service.
  const workerSvc = byKind("Service").find((s) => s.spec.clusterIP === "None");
  if (!check(workerSvc, "no headless Service (clusterIP: None) for the workers")) return;
  const svcGrpc = workerSvc.spec.ports.find((p) => p.name === "grpc");
  check(svcGrpc, `Service ${workerSvc.metadata.name}: no port named grpc`);

  // Workers: one Deployment per hardware class.
  const workers = byKind("Deployment").filter((d) => d.spec.template.metadata?.labels?.["app.kubernetes.io/component"] === "worker");
  check(workers.length >= 2, `${workers.length} worker Deployment(s); expected one per hardware class (at least 2)`);
  const classes = new Set();
  for (const d of workers) {
    const label = `Deployment/${d.metadata.name}`;
    const spec = podSpec(d);
    const c = spec.containers.find((x) => x.name === "worker") || spec.containers[0];
    const { grpc, argv } = checkServer(d, c, label, "worker");
    const cls = spec.nodeSelector?.["gene-farm/class"];
    check(cls, `${label}: no nodeSelector gene-farm/class`);
    check(spec.nodeSelector?.["kubernetes.io/arch"], `${label}: no nodeSelector kubernetes.io/arch`);
    check(argv.some((a, i) => argv[i - 1] === "--label" && a === `class=${cls}`), `${label}: no --label class=${cls}`);
    check(podLabels(d)["gene-farm/class"] === cls, `${label}: pod label gene-farm/class is not ${cls}`);
    check(!classes.has(cls), `${label}: hardware class ${cls} has two Deployments`);
    classes.add(cls);
    for (const x of spec.containers) {
      const r = x.resources || {};
      for (const res of ["cpu", "memory"]) {
        check(r.requests?.[res] !== undefined && String(r.requests[res]) === String(r.limits?.[res]),
          `${label} container ${x.name}: ${res} requests != limits (not Guaranteed QoS)`);
      }
    }
    checkOnePerNode(d, spec, workers, label);
    checkDisruptionBudget(d, byKind("PodDisruptionBudget"), label);
    check(selects(workerSvc.spec.selector, podLabels(d)), `${label}: pods not selected by Service ${workerSvc.metadata.name}`);
    check(svcGrpc && grpc === svcGrpc.port, `${label}: gRPC port ${grpc} is not the headless Service's ${svcGrpc?.port}`);
  }

  // The coordinator.
  const coord = byKind("Deployment").find((d) => d.spec.template.metadata?.labels?.["app.kubernetes.io/component"] === "coordinator");
  if (!check(coord, "no coordinator Deployment")) return;
  const cc = podSpec(coord).containers[0];
  const { grpc: coordGrpc, argv: coordArgv } = checkServer(coord, cc, `Deployment/${coord.metadata.name}`, "coordinator");
  check(coordArgv[1] === "serve", "coordinator: not `coordinator serve`");
  const wanted = `dns:///${workerSvc.metadata.name}.$(POD_NAMESPACE).svc.cluster.local:${svcGrpc?.port}`;
  check(argValue(coordArgv, "--workers") === wanted, `coordinator: --workers is ${argValue(coordArgv, "--workers")}, not ${wanted}`);
  const nsEnv = (cc.env || []).find((e) => e.name === "POD_NAMESPACE");
  check(nsEnv?.valueFrom?.fieldRef?.fieldPath === "metadata.namespace", "coordinator: POD_NAMESPACE is not from metadata.namespace");
  check(!selects(workerSvc.spec.selector, podLabels(coord)), "coordinator pods are selected by the worker Service");
  // A budget for one replica either blocks every drain (minAvailable 1) or
  // allows what no budget allows: the coordinator has none (docs/deploy.md).
  for (const pdb of byKind("PodDisruptionBudget")) {
    check(!selects(pdb.spec.selector?.matchLabels, podLabels(coord)), `PodDisruptionBudget/${pdb.metadata.name} selects the coordinator`);
  }
  // Its results store: --store inside a volume on a rendered ReadWriteOnce
  // PersistentVolumeClaim, writable by the pod's user, and only one
  // coordinator writing it (one replica, replaced with Recreate).
  check(coord.spec.replicas === 1, `coordinator: ${coord.spec.replicas} replicas; one writes the results store`);
  check(coord.spec.strategy?.type === "Recreate",
    "coordinator: strategy is not Recreate (a rolling update would run two coordinators on one store)");
  const store = argValue(coordArgv, "--store");
  const mount = (cc.volumeMounts || []).find((m) => store && store.startsWith(m.mountPath.replace(/\/?$/, "/")));
  if (check(mount, `coordinator: --store ${store} is not inside a mounted volume`)) {
    check(!mount.readOnly, "coordinator: the results store's volume is mounted read-only");
    const volume = (podSpec(coord).volumes || []).find((v) => v.name === mount.name);
    const claim = volume?.persistentVolumeClaim?.claimName;
    const pvc = claim && named("PersistentVolumeClaim", claim);
    if (check(pvc, `coordinator: the results store's volume ${mount.name} is not a rendered PersistentVolumeClaim`)) {
      check((pvc.spec.accessModes || []).includes("ReadWriteOnce"),
        `PersistentVolumeClaim/${claim}: not ReadWriteOnce`);
      check(pvc.spec.resources?.requests?.storage, `PersistentVolumeClaim/${claim}: no storage request`);
    }
    check(podSpec(coord).securityContext?.fsGroup !== undefined,
      "coordinator: no fsGroup: the non-root user may not write the store's volume");
  }
  const coordSvc = byKind("Service").find((s) => s !== workerSvc && selects(s.spec.selector, podLabels(coord)));
  if (!check(coordSvc, "no Service selects the coordinator")) return;
  for (const p of coordSvc.spec.ports) {
    check(containerPort(cc, p.targetPort) === p.port || cc.ports.some((x) => x.containerPort === p.targetPort),
      `Service/${coordSvc.metadata.name}: targetPort ${p.targetPort} is no coordinator container port`);
  }
  const coordSvcGrpc = coordSvc.spec.ports.find((p) => p.name === "grpc");
  check(coordSvcGrpc && containerPort(cc, coordSvcGrpc.targetPort) === coordGrpc, "coordinator Service: grpc port does not reach the coordinator's gRPC port");
  for (const w of workers) {
    check(!selects(coordSvc.spec.selector, podLabels(w)), `Service/${coordSvc.metadata.name} selects worker pods`);
  }

  // The CronJob: `coordinator submit SUITE --coordinator SERVICE:PORT`.
  const cron = byKind("CronJob")[0];
  if (!check(cron, "no CronJob")) return;
  const spec = podSpec(cron);
  const sc = spec.containers[0];
  const argv = [...(sc.command || []), ...(sc.args || [])];
  check(argv[0] === "/usr/local/bin/coordinator" && argv[1] === "submit", "CronJob: not `coordinator submit`");
  check(argValue(argv, "--coordinator") === `${coordSvc.metadata.name}:${coordSvcGrpc?.port}`,
    `CronJob: --coordinator is ${argValue(argv, "--coordinator")}, not ${coordSvc.metadata.name}:${coordSvcGrpc?.port}`);
  check(spec.restartPolicy === "Never" && cron.spec.jobTemplate.spec.backoffLimit === 0, "CronJob: a failed run is retried");
  check(cron.spec.concurrencyPolicy === "Forbid", "CronJob: runs may overlap");

  // Mounted ConfigMaps: directory -> {file name -> content}.
  const mounts = new Map();
  for (const vm of sc.volumeMounts || []) {
    const vol = (spec.volumes || []).find((v) => v.name === vm.name);
    const cm = vol?.configMap && named("ConfigMap", vol.configMap.name);
    if (check(cm, `CronJob: volume ${vm.name} is not a rendered ConfigMap`)) mounts.set(vm.mountPath, cm.data || {});
  }
  const suitePath = argv[2];
  const suiteDir = path.posix.dirname(suitePath);
  const suiteText = mounts.get(suiteDir)?.[path.posix.basename(suitePath)];
  if (check(suiteText, `CronJob: suite ${suitePath} is not in a mounted ConfigMap`)) {
    // Every suite in the mounted directory: each benchmark's file resolves in a mount.
    for (const [name, text] of Object.entries(mounts.get(suiteDir))) {
      const suite = YAML.parse(text);
      for (const b of suite.benchmarks || []) {
        const file = path.posix.normalize(path.posix.join(suiteDir, b.file));
        const content = mounts.get(path.posix.dirname(file))?.[path.posix.basename(file)];
        check(content !== undefined, `suite ${name}: benchmark ${b.name}'s file ${b.file} (${file}) is not mounted in the CronJob`);
      }
    }
  }

  // The ConfigMaps hold exactly bench/'s files (deploy/k8s/bench is a copy: deploy/k8s/sync-bench).
  for (const [mountPath, data] of mounts) {
    const dir = path.join(repo, mountPath.replace(/^\/bench\//, "bench/"));
    if (!check(fs.existsSync(dir), `CronJob mounts ${mountPath}, but ${path.relative(repo, dir)} does not exist`)) continue;
    const files = fs.readdirSync(dir).filter((f) => /\.(gene|yaml)$/.test(f)).sort();
    check(JSON.stringify(files) === JSON.stringify(Object.keys(data).sort()),
      `ConfigMap at ${mountPath} holds [${Object.keys(data).sort()}], but ${path.relative(repo, dir)} has [${files}]: ` +
        "run deploy/k8s/sync-bench and update configMapGenerator in deploy/k8s/kustomization.yaml");
    for (const f of files) {
      if (data[f] !== undefined) {
        check(data[f] === fs.readFileSync(path.join(dir, f), "utf8"),
          `ConfigMap at ${mountPath}: ${f} differs from ${path.relative(repo, path.join(dir, f))}: run deploy/k8s/sync-bench`);
      }
    }
  }
}

// A label selector (matchLabels and matchExpressions) against a pod's labels.
function matches(selector, labels) {
  if (!selector) return false;
  const l = labels || {};
  return selects(selector.matchLabels, l) && (selector.matchExpressions || []).every((e) => {
    switch (e.operator) {
      case "In": return e.key in l && e.values.includes(l[e.key]);
      case "NotIn": return !(e.key in l) || !e.values.includes(l[e.key]);
      case "Exists": return e.key in l;
      case "DoesNotExist": return !(e.key in l);
      default: return false;
    }
  });
}

// deploy/k8s/networkpolicy-metrics.example.yaml (applied by hand): valid, and
// for the coordinator and every worker it admits /metrics only from selected
// pods or namespaces, and gRPC from everywhere (submitters, the coordinator,
// the kubelet's probes).
async function checkMetricsPolicy(objects) {
  const file = "networkpolicy-metrics.example.yaml";
  const docs = parseStream(fs.readFileSync(path.join(repo, "deploy", "k8s", file), "utf8"), file);
  const policy = docs.find((o) => o.kind === "NetworkPolicy");
  if (!check(docs.length === 1 && policy, `${file}: not a single NetworkPolicy`)) return;
  await validateSchema(policy, `${file} NetworkPolicy/${policy.metadata?.name}`);
  check(policy.metadata.namespace === NAMESPACE, `${file}: namespace is not ${NAMESPACE}`);
  check((policy.spec.policyTypes || []).includes("Ingress"), `${file}: policyTypes has no Ingress`);
  const servers = objects.filter((o) => o.kind === "Deployment");
  const rules = policy.spec.ingress || [];
  for (const d of servers) {
    const label = `${file} for Deployment/${d.metadata.name}`;
    if (!check(matches(policy.spec.podSelector, podLabels(d)), `${label}: podSelector does not select its pods`)) continue;
    const c = podSpec(d).containers[0];
    const admits = (rule, name) => !rule.ports || rule.ports.some((p) => p.port === name || p.port === containerPort(c, name));
    const metricsRules = rules.filter((r) => admits(r, "metrics"));
    check(metricsRules.length > 0, `${label}: no rule admits the metrics port (Prometheus could not scrape)`);
    for (const r of metricsRules) {
      check(r.from?.length > 0 && r.from.every((f) => !f.ipBlock && (f.namespaceSelector || f.podSelector)),
        `${label}: a rule admits the metrics port from everywhere or from an ipBlock`);
    }
    check(rules.some((r) => admits(r, "grpc") && !r.from), `${label}: the gRPC port is not open to every source`);
  }
}

// The overlay block of docs/deploy.md ("2. Point the manifests at your
// registry"), run as it stands by bash from a checkout called gene-farm/ (a
// copy of deploy/k8s): it must render with the registry and the patch, and
// use no field kustomize deprecates (resources and patches, by relative path).
function checkDocumentedOverlay() {
  const doc = fs.readFileSync(path.join(repo, "docs", "deploy.md"), "utf8");
  const section = doc.split(/^### /m).find((s) => s.startsWith("2. Point the manifests at your registry"));
  const block = section?.match(/```sh\n([\s\S]*?)```/)?.[1];
  if (!check(block, "docs/deploy.md: no sh block in section 2. Point the manifests at your registry")) return;
  const tmp = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR || "/tmp"), "gene-overlay-"));
  try {
    const checkout = path.join(tmp, "gene-farm");
    fs.cpSync(path.join(repo, "deploy", "k8s"), path.join(checkout, "deploy", "k8s"), { recursive: true });
    const bin = path.join(tmp, "bin");
    fs.mkdirSync(bin);
    if (path.isAbsolute(kubectl)) fs.symlinkSync(kubectl, path.join(bin, "kubectl"));
    const out = runQuietly("docs/deploy.md overlay block", "bash", ["-eo", "pipefail", "-c", block], {
      cwd: checkout,
      env: { ...process.env, HOME: tmp, PATH: `${bin}:${process.env.PATH}` },
    });
    if (out === null) return;
    const images = [...out.matchAll(/image:\s*(\S+)/g)].map((m) => m[1]);
    check(images.length > 0 && images.every((i) => i.startsWith("registry.example.com/gene-farm/")),
      `docs/deploy.md overlay: images ${[...new Set(images)]} are not all from registry.example.com`);
    for (const name of ["coordinator", "worker"]) {
      check(images.includes(`registry.example.com/gene-farm/${name}:0.1.0`), `docs/deploy.md overlay: no ${name} image from the registry`);
    }
    check(/replicas:\s*3\b/.test(out), "docs/deploy.md overlay: the patch's replicas: 3 is not in the output");
    const site = path.join(tmp, "gene-farm-site");
    const kfile = path.join(site, "kustomization.yaml");
    if (!check(fs.existsSync(kfile), "docs/deploy.md overlay: no gene-farm-site/kustomization.yaml beside the checkout")) return;
    const k = YAML.parse(fs.readFileSync(kfile, "utf8"));
    const allowed = ["apiVersion", "kind", "resources", "images", "patches", "namespace", "labels"];
    for (const key of Object.keys(k)) check(allowed.includes(key), `docs/deploy.md overlay: key ${key} is not one of ${allowed.join(", ")}`);
    for (const r of k.resources || []) {
      check(!path.isAbsolute(r) && fs.existsSync(path.join(site, r)),
        `docs/deploy.md overlay: resource ${r} is not a relative path that exists (kustomize refuses absolute ones)`);
    }
    for (const p of k.patches || []) {
      check(fs.statSync(path.join(site, p.path || ""), { throwIfNoEntry: false })?.isFile(),
        `docs/deploy.md overlay: patch ${JSON.stringify(p)} does not name a file beside it`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// kustomization.yaml uses a known set of fields, none deprecated (kustomize
// v4.1 brought labels; kubectl 1.22 carries v4.2).
function checkKustomizationSyntax() {
  const file = path.join(repo, "deploy", "k8s", "kustomization.yaml");
  const k = YAML.parse(fs.readFileSync(file, "utf8"));
  const allowed = ["apiVersion", "kind", "namespace", "labels", "resources", "configMapGenerator", "images"];
  for (const key of Object.keys(k)) {
    check(allowed.includes(key), `kustomization.yaml: key ${key} is not one of ${allowed.join(", ")}`);
  }
  // The selectors keep the part-of label commonLabels put there: a changed
  // selector cannot be applied over a running Deployment.
  check((k.labels || []).some((l) => l.includeSelectors === true && l.pairs?.["app.kubernetes.io/part-of"] === "gene-farm"),
    "kustomization.yaml: labels does not put app.kubernetes.io/part-of: gene-farm in selectors (includeSelectors: true)");
  for (const r of k.resources || []) {
    const full = path.join(path.dirname(file), r);
    check(fs.existsSync(full) && fs.statSync(full).isFile(), `kustomization.yaml: resource ${r} is not a file here`);
  }
  for (const g of k.configMapGenerator || []) {
    for (const key of Object.keys(g)) {
      check(["name", "files"].includes(key), `kustomization.yaml: configMapGenerator ${g.name} uses ${key}`);
    }
    for (const f of g.files || []) {
      check(!f.includes("=") && !path.isAbsolute(f) && !f.split("/").includes(".."),
        `kustomization.yaml: configMapGenerator file ${f} is not a plain path inside deploy/k8s`);
    }
  }
  for (const i of k.images || []) {
    check(Object.keys(i).every((key) => ["name", "newName", "newTag"].includes(key)) && !i.name.includes("."),
      `kustomization.yaml: image ${i.name}: only name/newName/newTag, and a name without a registry host`);
  }
}

// --- main ---------------------------------------------------------------------------

checkKustomizationSyntax();

const rendered = render();
if (rendered !== null) {
  const objects = parseStream(rendered, "kubectl kustomize deploy/k8s");
  console.log(`kubectl kustomize deploy/k8s: ${objects.length} objects`);
  for (const o of objects) {
    const label = `${o.kind}/${o.metadata?.name}`;
    const before = failed;
    await validateSchema(o, label);
    console.log(`  ${failed === before ? "ok  " : "FAIL"} ${o.apiVersion} ${label}`);
  }
  checkFarm(objects);
  await checkMetricsPolicy(objects);
  const example = path.join(repo, "deploy", "k8s", "secret-token.example.yaml");
  for (const o of parseStream(fs.readFileSync(example, "utf8"), "secret-token.example.yaml")) {
    await validateSchema(o, `secret-token.example.yaml ${o.kind}/${o.metadata?.name}`);
    check(o.kind === "Secret" && o.metadata.name === SECRET.name && o.metadata.namespace === NAMESPACE &&
      typeof o.stringData?.[SECRET.key] === "string", `secret-token.example.yaml: not Secret ${NAMESPACE}/${SECRET.name} with stringData.${SECRET.key}`);
  }
}
checkDocumentedOverlay();
console.log(`validate_k8s: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
