/*
 * A riscv64 hart's own state in snapshots and state hashes: its
 * cpu_ops.save and cpu_ops.load (both describe the same fields; see
 * snapshot.c).
 */
#ifndef EMU_CPU_RISCV_SNAPSHOT_H
#define EMU_CPU_RISCV_SNAPSHOT_H

struct cpu;
struct snap;

int rv_snapshot_save(struct cpu *cpu, struct snap *s);
int rv_snapshot_load(struct cpu *cpu, struct snap *s);

#endif
