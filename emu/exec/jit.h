/*
 * The x86-64 host JIT back end (private to exec/).
 *
 * It compiles a TB's plain IR, as the front end emitted it, into host
 * code with the same effect as the interpreter running those ops: the
 * same slot writes, the same memory accesses through the soft TLB and the
 * same slow paths, the same fault rewinding, the same exits and chain
 * links. The interpreter stays the reference: any TB the JIT does not
 * take (no code space left, a host that is not x86-64) runs there, and
 * both give byte-identical guest state (tests/replay/engines.sh). Under a
 * detailed timing model the code calls the model's hooks where the
 * interpreter's timed ops and run_chain do.
 *
 * Code lives in one executable buffer, emptied together with the TB
 * arena (exec_flush_code); when it is full, new TBs are interpreted until
 * then.
 *
 *   struct jit *j = jit_create(64 << 20);       // NULL: interpreter only
 *   tb->jit = jit_compile(j, tb, pc_slot, timed); // NULL: interpret this TB
 *   next = tb->jit(cpu, &link);   // counts the TB, runs it, and may run on
 *                                 // through successors as run_chain would
 */
#ifndef EMU_EXEC_JIT_H
#define EMU_EXEC_JIT_H

#include <stdbool.h>
#include <stddef.h>

struct cpu;
struct tb;
struct jit;

/* Compiled code of a TB: counts and runs it (what run_chain and
 * interp_run_tb do), then goes on into its successor's code while the run
 * loop would; returns as interp_run_tb, for the last TB it ran. */
typedef struct tb *(*jit_code_fn)(struct cpu *cpu, struct tb ***link);

/* An executable buffer of size bytes; NULL when the host has no JIT or
 * refuses executable memory. */
struct jit *jit_create(size_t size);
void jit_destroy(struct jit *j);

/* Forgets all code (the TBs that pointed into it are gone too). */
void jit_reset(struct jit *j);

/* Compiles tb's ops (plain IR, or with the timed forms when timed: before
 * interp_prepare); NULL when the buffer is full. */
jit_code_fn jit_compile(struct jit *j, struct tb *tb, unsigned pc_slot, bool timed);

#endif
