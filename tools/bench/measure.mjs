// Preloaded into measured processes (node --import): reports CPU time and peak memory when the process exits.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  const cpu = process.cpuUsage();
  writeSync(2, `\nBENCH_MAXRSS_KB ${process.resourceUsage().maxRSS}\nBENCH_CPU_MS ${(cpu.user + cpu.system) / 1000}\n`);
});
