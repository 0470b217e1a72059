import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { encodeEvent } from '../../src/telemetry/codec.ts';
import { fakeRunEvents } from './fakeRun.ts';
import { openSse, rawGet } from './sse.ts';
import { capture } from '../capture.ts';

let folder: string;
beforeEach(() => { folder = mkdtempSync(join(tmpdir(), 'gradstream-replay-')); });
afterEach(() => rmSync(folder, { recursive: true, force: true }));

async function replay(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = capture();
  const stderr = capture();
  const code = await main(['replay', ...args], { stdout, stderr });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const events = fakeRunEvents({ steps: 100, failingAuditSteps: [50], alarmSteps: [70] });
const jsonl = events.map((event) => `${encodeEvent(event)}\n`).join('');

describe('gradstream replay', () => {
  it('plays a recorded run into the console: start, progress lines, failed audits, alarms, end', async () => {
    const path = join(folder, 'run.jsonl');
    writeFileSync(path, jsonl);
    const { code, stdout, stderr } = await replay(path);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^run fake-run: 3 nodes/);
    expect(lines.filter((line) => /^step \d+\/100/.test(line)).map((line) => line.split(' ')[1])).toEqual(
      ['10/100', '20/100', '30/100', '40/100', '50/100', '60/100', '70/100', '80/100', '90/100', '100/100']);
    expect(stdout).toMatch(/^✗ gradient audit FAILED at step 50/m);
    expect(stdout).toMatch(/^⚠ alarm at step 70/m);
    expect(lines.at(-1)).toMatch(/^run completed: 100 steps/);
  });

  it('counts every audit event of the file, the last step\'s included, with the layers they covered', async () => {
    const path = join(folder, 'run.jsonl');
    // 600 steps with an audit every 10: 60 audit events, the last one after step 600's event.
    const recorded = fakeRunEvents({ steps: 600, auditEvery: 10 });
    expect(recorded.filter((event) => event.type === 'audit')).toHaveLength(60);
    writeFileSync(path, recorded.map((event) => `${encodeEvent(event)}\n`).join(''));
    const { code, stdout } = await replay(path);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines.filter((line) => line.startsWith('step 600/600 '))).toEqual([expect.stringMatching(/ · audits 60 ok over 3 of 3 layers$/)]);
    expect(lines.at(-1)).toMatch(/^run completed: 600 steps in .*; audits 60 ok over 3 of 3 layers$/);
  });

  it('counts the audited layers of a recording whose audits do not say how many there are in turn', async () => {
    const path = join(folder, 'run.jsonl');
    writeFileSync(path, fakeRunEvents({ steps: 20, auditEvery: 10, auditableLayers: null }).map((event) => `${encodeEvent(event)}\n`).join(''));
    const { stdout } = await replay(path);
    expect(stdout.trimEnd().split('\n').at(-1)).toMatch(/; audits 2 ok over 2 layers$/);
  });

  it('replays a file cut off mid-line, with a warning saying so', async () => {
    const path = join(folder, 'run.jsonl');
    writeFileSync(path, jsonl.slice(0, jsonl.length - 40));
    const { code, stdout, stderr } = await replay(path, '--every', '25');
    expect(code).toBe(0);
    expect(stderr).toMatch(new RegExp(`^warning: .*run\\.jsonl ends with an incomplete line \\(line ${events.length}, \\d+ bytes\\), left by an interrupted run; the ${events.length - 1} complete events before it were replayed\\n$`));
    expect(stdout).toMatch(/^step 100\/100/m);
    expect(stdout).not.toMatch(/^run completed/m);
  });

  it('refuses a file with a bad line inside, naming the line, and a missing file', async () => {
    const path = join(folder, 'run.jsonl');
    const lines = jsonl.split('\n');
    lines[5] = '{oops';
    writeFileSync(path, lines.join('\n'));
    const bad = await replay(path);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^replay: .*run\.jsonl line 6: not valid JSON/);
    const missing = await replay(join(folder, 'nothing.jsonl'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^replay: cannot read .*nothing\.jsonl: no such file or directory \(ENOENT\)\n$/);
  });

  it('refuses a file whose events break the schema at the first problem, naming its line and what was expected, exit 1', async () => {
    const path = join(folder, 'run.jsonl');
    const lines = jsonl.trimEnd().split('\n');
    const at = events.findIndex((event) => event.type === 'step' && event.step === 30);
    const broken: [string, (line: string) => string, string][] = [
      ['loss "abc"', (line) => line.replace(/"loss":[^,]+/, '"loss":"abc"'), `line ${at + 1}: step event: loss: expected a number (NaN and ±Infinity are written "NaN", "Infinity", "-Infinity"), got "abc"`],
      ['a missing step', (line) => line.replace(/"step":\d+,/, ''), `line ${at + 1}: step event: step: missing; expected an integer ≥ 0`],
      ['step -5', (line) => line.replace(/"step":\d+/, '"step":-5'), `line ${at + 1}: step event: step: expected an integer ≥ 0, got -5`],
      ['a repeated seq', () => lines[at - 1]!, `line ${at + 1}: seq ${at - 1} after seq ${at - 1}: expected ${at}; an event repeated or out of order`],
    ];
    for (const [, change, message] of broken) {
      writeFileSync(path, lines.map((line, index) => (index === at ? change(line) : line)).join('\n') + '\n');
      const { code, stdout, stderr } = await replay(path);
      expect(code).toBe(1);
      expect(stderr).toBe(`replay: ${path} ${message}\n`);
      // What came before the problem was played; nothing after it.
      expect(stdout).toMatch(/^run fake-run: 3 nodes/);
      expect(stdout).not.toMatch(/^run completed/m);
    }
    writeFileSync(path, lines.slice(1).join('\n') + '\n');
    expect((await replay(path)).stderr).toBe(`replay: ${path} line 1: expected the run's run-start event first, got a step event\n`);
  });

  it('with --lenient, reports each problem (the first 20 in full), leaves out their events and plays the rest', async () => {
    const path = join(folder, 'run.jsonl');
    const stepLines = events.flatMap((event, index) => (event.type === 'step' && event.step % 4 === 0 ? [index] : []));
    expect(stepLines).toHaveLength(25);
    writeFileSync(path, jsonl.trimEnd().split('\n').map((line, index) => (stepLines.includes(index) ? line.replace(/"loss":[^,]+/, '"loss":"abc"') : line)).join('\n') + '\n');
    const { code, stdout, stderr } = await replay(path, '--lenient');
    expect(code).toBe(0);
    const reported = stderr.trimEnd().split('\n');
    expect(reported.slice(0, 20)).toEqual(stepLines.slice(0, 20).map((index) => expect.stringMatching(new RegExp(`^replay: .*run\\.jsonl line ${index + 1}: step event: loss: expected a number`))));
    expect(reported.slice(20)).toEqual([`replay: … and 5 more problems in ${path}`, `replay: 25 problems in ${path}; the events at fault were left out (--lenient)`]);
    expect(stdout.trimEnd().split('\n').at(-1)).toMatch(/^run completed: 100 steps/);

    writeFileSync(path, '{"not":"an event"}\n[1,2]\n');
    const nothing = await replay(path, '--lenient');
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toMatch(/holds no valid events\n$/);
  });

  it('replays a file of several runs into the console with --multiple-runs, and refuses it otherwise', async () => {
    const path = join(folder, 'runs.jsonl');
    const second = fakeRunEvents({ steps: 10, runId: 'second-run' });
    writeFileSync(path, jsonl + second.map((event) => `${encodeEvent(event)}\n`).join(''));
    const one = await replay(path);
    expect(one.code).toBe(1);
    expect(one.stderr).toContain(`line ${events.length + 1}: a second run, "second-run", begins: expected one run per file (run "fake-run" began at line 1); a file of several runs is read with multipleRuns (replay --multiple-runs)`);
    const both = await replay(path, '--multiple-runs');
    expect(both.code).toBe(0);
    expect(both.stdout.split('\n').filter((line) => line.startsWith('run '))).toEqual([
      expect.stringMatching(/^run fake-run: /), expect.stringMatching(/^run completed: 100 steps/),
      expect.stringMatching(/^run second-run: /), expect.stringMatching(/^run completed: 10 steps/),
    ]);
    const served = await replay(path, '--multiple-runs', '--serve');
    expect(served.code).toBe(2);
    expect(served.stderr).toContain('replay: --multiple-runs replays into the console only');
  });

  it('answers bad arguments with its usage and exit code 2', async () => {
    expect((await replay()).code).toBe(2);
    expect((await replay('a.jsonl', 'b.jsonl')).stderr).toMatch(/expected one JSONL file, got a\.jsonl b\.jsonl/);
    expect((await replay('a.jsonl', '--bogus')).code).toBe(2);
    expect((await replay('a.jsonl', '--port', '8080')).stderr).toMatch(/--port applies to the dashboard: add --serve/);
  });

  it('serves the replayed run on the dashboard and /metrics until Ctrl-C', async () => {
    const path = join(folder, 'run.jsonl');
    writeFileSync(path, jsonl);
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'replay', path, '--serve'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8');
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        output += chunk;
        const found = /^dashboard: (\S+)$/m.exec(output);
        if (found && output.includes('press Ctrl-C')) resolve(found[1]!);
      });
      child.once('exit', (code) => reject(new Error(`replay exited early with ${code}: ${output}`)));
    });
    const client = await openSse(url);
    await client.until((frames) => frames.length === events.length);
    expect(client.frames.map((frame) => Number(frame.id))).toEqual(events.map((event) => event.seq));
    client.destroy();
    expect((await rawGet(url, '/metrics')).body).toMatch(/^gradstream_steps_total 100$/m);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
  });
});
