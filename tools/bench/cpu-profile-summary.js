#!/usr/bin/env node
// Summarises V8 CPU profiles (.cpuprofile, as `node --cpu-prof` writes them, or the end-to-end bench's profile mode:
// one per service, <pid>.cpuprofile): each profile's self time by function and by where the code comes from (our libraries and
// apps, a package in node_modules, Node's own internals, GC and idle). Usage:
//   node tools/bench/cpu-profile-summary.js <dir or files…> [--top 15] [--names pid=service,…]
// The end-to-end bench calls summarise() itself with the service names by pid.
'use strict';
const { readdirSync, readFileSync, statSync } = require('node:fs');
const { basename, join } = require('node:path');

/** Where a function's code comes from, for the coarse table. */
const originOf = (url, functionName) => {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const own = /\/(apps|libs)\/([^/]+)\//.exec(url);
  if (own) return `${own[1]}/${own[2]}`;
  if (url.startsWith('node:')) return 'node internals';
  return url;
};

/** Self time in milliseconds by function and by origin, and the profile's span. */
const selfTimes = (profile) => {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const byNode = new Map();
  profile.samples.forEach((id, i) => byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const byFunction = new Map();
  const byOrigin = new Map();
  for (const [id, ms] of byNode) {
    const { functionName, url, lineNumber } = nodes.get(id).callFrame;
    const name = functionName || '(anonymous)';
    const where = url ? `${url.replace(/^.*\/(node_modules|apps|libs)\//, '$1/')}:${lineNumber + 1}` : '';
    const key = where ? `${name} ${where}` : name;
    byFunction.set(key, (byFunction.get(key) ?? 0) + ms);
    const origin = originOf(url, name);
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + ms);
  }
  const totalMs = [...byNode.values()].reduce((a, b) => a + b, 0);
  return { totalMs, byFunction, byOrigin };
};

const top = (map, n, totalMs, busyMs) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, ms]) => ({
      name,
      ms: Math.round(ms),
      percentOfProfile: Number(((ms / totalMs) * 100).toFixed(1)),
      percentOfBusy: name === '(idle)' ? null : Number(((ms / busyMs) * 100).toFixed(1)),
    }));

/** One summary per profile: its service (by pid), busy and idle time, and the top functions and origins by self time. */
const summarise = (files, { names = new Map(), topN = 15 } = {}) =>
  files.map((file) => {
    const pid = Number(/(?:^|\.)(\d+)(?:\.\d+\.\d+)?\.cpuprofile$/.exec(basename(file))?.[1]);
    const { totalMs, byFunction, byOrigin } = selfTimes(JSON.parse(readFileSync(file, 'utf8')));
    const idleMs = byFunction.get('(idle)') ?? 0;
    const busyMs = totalMs - idleMs;
    return {
      service: names.get(pid) ?? `pid ${pid}`,
      file,
      profiledSeconds: Number((totalMs / 1000).toFixed(1)),
      busySeconds: Number((busyMs / 1000).toFixed(1)),
      topFunctions: top(byFunction, topN, totalMs, busyMs).filter((f) => f.name !== '(idle)'),
      byOrigin: top(byOrigin, topN, totalMs, busyMs).filter((f) => f.name !== '(idle)'),
    };
  });

const profilesIn = (paths) =>
  paths.flatMap((p) =>
    statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((f) => f.endsWith('.cpuprofile'))
          .map((f) => join(p, f))
      : [p],
  );

if (require.main === module) {
  const args = process.argv.slice(2);
  const option = (name) => {
    const i = args.indexOf(name);
    return i < 0 ? undefined : args.splice(i, 2)[1];
  };
  const topN = Number(option('--top') ?? 15);
  const names = new Map(
    (option('--names') ?? '')
      .split(',')
      .filter(Boolean)
      .map((pair) => pair.split('='))
      .map(([pid, name]) => [Number(pid), name]),
  );
  for (const summary of summarise(profilesIn(args), { names, topN })) console.log(JSON.stringify(summary));
}

module.exports = { profilesIn, summarise };
