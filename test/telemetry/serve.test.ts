import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { openSse, rawGet } from './sse.ts';

describe('startRunDashboard and serveUntilInterrupted', () => {
  it('give the dashboard\'s URL during the run and keep the whole run served until Ctrl-C', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'serveRun.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.setEncoding('utf8');
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        output += chunk;
        if (output.includes('until Ctrl-C')) resolve(/^dashboard: (\S+)$/m.exec(output)![1]!);
      });
      child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${output}`)));
    });
    expect(output).toContain(`the run has ended; the dashboard stays at ${url} until Ctrl-C`);
    const events = await openSse(url);
    await events.until((frames) => frames.some((frame) => JSON.parse(frame.data).type === 'run-end'));
    const types = events.frames.map((frame) => JSON.parse(frame.data).type as string);
    expect(types[0]).toBe('run-start');
    expect(types.filter((type) => type === 'step')).toHaveLength(30);
    expect(events.frames.map((frame) => Number(frame.id))).toEqual(events.frames.map((_, i) => i));
    events.destroy();
    expect((await rawGet(url, '/metrics')).body).toMatch(/^gradstream_steps_total 30$/m);
    child.kill('SIGINT');
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
  });
});
