/*
 * Register ids of the riscv hart for cpu_ops.get_reg/set_reg (gdb stub,
 * board setup, tests). Every register is 64 bits wide.
 *
 *   uint64_t pc = 0x80000000;
 *   cpu->ops->set_reg(cpu, RV_REG_PC, &pc);
 *   cpu->ops->get_reg(cpu, RV_REG_CSR(0x300), &mstatus);
 */
#ifndef EMU_CPU_RISCV_REGID_H
#define EMU_CPU_RISCV_REGID_H

#define RV_REG_X(n)    ((uint64_t)(n))            /* x0-x31; x0 reads zero, writes ignored */
#define RV_REG_PC      32u
#define RV_REG_F(n)    (64u + (uint64_t)(n))      /* f0-f31, raw 64-bit (NaN-boxed) */
#define RV_REG_CSR(n)  (0x1000u + (uint64_t)(n))  /* CSR 0x000-0xfff, no privilege check */
#define RV_REG_PRIV    0x2000u                    /* current privilege, enum rv_priv */
#define RV_REG_VIRT    0x2001u                    /* virtualization mode V (0 or 1; H extension) */

#endif
