// node extract.js IN.json OUT.json op1,op2,...  — keeps the named operations (whole path item
// entries for their methods only) and the $ref closure of what they use; info and openapi kept.
const fs=require('fs');
const [,, input, output, opsArg]=process.argv;
const doc=JSON.parse(fs.readFileSync(input));
const want=new Set(opsArg.split(','));
const out={openapi:doc.openapi, info:{title:doc.info.title, version:doc.info.version}, paths:{}, components:{}};
const refs=new Set();
function collect(x){ if(Array.isArray(x)) x.forEach(collect); else if(x&&typeof x==='object'){ for(const [k,v] of Object.entries(x)){ if(k==='$ref'&&typeof v==='string') refs.add(v); else collect(v);} } }
const found=new Set();
for(const [p,item] of Object.entries(doc.paths)){
  for(const [m,op] of Object.entries(item)){
    if(op&&op.operationId&&want.has(op.operationId)){
      out.paths[p]=out.paths[p]||{};
      if(item.parameters) out.paths[p].parameters=item.parameters;
      out.paths[p][m]=op; found.add(op.operationId);
    }
  }
}
for(const w of want) if(!found.has(w)) { console.error('missing '+w); process.exit(1); }
collect(out.paths);
const done=new Set();
while(true){ const todo=[...refs].filter(r=>!done.has(r)); if(!todo.length) break;
  for(const r of todo){ done.add(r); const [, , kind, name]=r.split('/'); const v=doc.components[kind][name];
    out.components[kind]=out.components[kind]||{}; out.components[kind][name]=v; collect(v);} }
for(const k of Object.keys(out.components)) out.components[k]=Object.fromEntries(Object.entries(out.components[k]).sort());
fs.writeFileSync(output, JSON.stringify(out,null,1)+'\n');
