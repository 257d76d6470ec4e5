/*
 * Address-space contexts of the riscv soft TLB and the fences that drop
 * them (RISC-V privileged spec 1.12 §4.2.1 SFENCE.VMA, §8.3.2 HFENCE,
 * §8.5.3 fences with V=1).
 *
 * Two context groups (mmu/tlbctx.h): the HS-level regimes U, S and S+SUM
 * are keyed by satp (mode, ASID, root), the guest regimes VU, VS and
 * VS+SUM by hgatp and vsatp together, which name the VMID and the guest
 * ASID. Writing satp, vsatp or hgatp implies no fence (§4.1.11, §8.2.10):
 * it selects the bank of the new context and keeps the others, so a
 * hypervisor switching between host and guest, or a guest between two
 * processes, finds its translations still cached. The fences then drop
 * exactly the contexts the spec names:
 *
 *   SFENCE.VMA, V=0     HS-level banks (of one ASID if rs2 != x0)
 *   SFENCE.VMA, V=1     guest banks of the current VMID (and guest ASID)
 *   HFENCE.VVMA         the same, from HS-mode
 *   HFENCE.GVMA         guest banks of one VMID, or all (rs1's guest
 *                       physical address is not tracked: the whole VMID)
 *
 * An entry caches PMP and PBMT decisions too; the CSRs that change those
 * flush everything (csr.c), which covers the fences M-mode would issue.
 *
 * A detailed timing model keeps TLBs of its own: it hears of each context
 * switch (by the bank's context number) and of each fence.
 */
#include <string.h>

#include "cpu-riscv/hart.h"

#define RV_CTX_HS ((1u << RV_MMU_U) | (1u << RV_MMU_S) | (1u << RV_MMU_S_SUM))
#define RV_CTX_VS ((1u << RV_MMU_VU) | (1u << RV_MMU_VS) | (1u << RV_MMU_VS_SUM))

static uint64_t rv_key_asid(uint64_t atp)
{
    return (atp >> RV_SATP_ASID_SHIFT) & RV_SATP_ASID_MASK;
}

static uint64_t rv_key_vmid(uint64_t hgatp)
{
    return (hgatp >> RV_HGATP_VMID_SHIFT) & RV_HGATP_VMID_MASK;
}

/* Translations looked up by virtual pc (the engine's jump cache) depend
 * on the context too. */
static void rv_forget_pcs(struct rv_cpu *rv)
{
    memset(rv->cpu.jmp_cache, 0, sizeof(rv->cpu.jmp_cache));
}

/* Tells the timing model which contexts are in force. */
static void rv_timing_contexts(struct rv_cpu *rv)
{
    struct rv_hart *h = rv_hart_of(rv);
    exec_timing_tlb_context(&rv->cpu, RV_CTX_HS, tlb_ctx_id(&h->ctx_hs));
    exec_timing_tlb_context(&rv->cpu, RV_CTX_VS, tlb_ctx_id(&h->ctx_vs));
}

void rv_tlb_ctx_reset(struct rv_cpu *rv)
{
    struct rv_hart *h = rv_hart_of(rv);
    tlb_reset(&rv->cpu.tlb);
    tlb_ctx_init(&h->ctx_hs, &rv->cpu.tlb, RV_CTX_HS, rv->satp, 0);
    tlb_ctx_init(&h->ctx_vs, &rv->cpu.tlb, RV_CTX_VS, rv->hgatp, rv->vsatp);
    h->max_leaf_size = h->max_leaf_size_vs = 4096;
    rv_forget_pcs(rv);
    rv_timing_contexts(rv);
}

void rv_tlb_ctx_update(struct rv_cpu *rv)
{
    struct rv_hart *h = rv_hart_of(rv);
    bool changed = tlb_ctx_switch(&h->ctx_hs, &rv->cpu.tlb, rv->satp, 0);
    changed |= tlb_ctx_switch(&h->ctx_vs, &rv->cpu.tlb, rv->hgatp, rv->vsatp);
    if (changed) {
        rv_forget_pcs(rv);
        rv_timing_contexts(rv);
    }
}

/* The banks of g whose key passes the ASID/VMID test: one address or all. */
static void rv_fence_banks(struct rv_cpu *rv, struct tlb_ctx *g, uint64_t max_leaf, bool has_va, uint64_t va,
                           bool (*match)(const struct rv_cpu *, const uint64_t key[2], uint64_t), uint64_t arg)
{
    for (unsigned b = 0; b < TLB_NBANK; b++) {
        if (!g->valid[b] || (match && !match(rv, g->key[b], arg)))
            continue;
        if (has_va)
            tlb_ctx_flush_block(g, &rv->cpu.tlb, b, va, max_leaf);
        else
            tlb_ctx_flush_bank(g, &rv->cpu.tlb, b);
    }
    rv_forget_pcs(rv);
    /* The modelled TLBs are not split by bank: the address, or all. */
    exec_timing_tlb_fence(&rv->cpu, has_va, va);
}

static bool rv_match_hs_asid(const struct rv_cpu *rv, const uint64_t key[2], uint64_t asid)
{
    return rv_key_asid(key[0]) == (asid & RV_SATP_ASID_MASK);
}

/* arg: bit 63 set when only guest ASID arg & 0xffff is meant. */
#define RV_MATCH_ASID (1ull << 63)

static bool rv_match_guest(const struct rv_cpu *rv, const uint64_t key[2], uint64_t arg)
{
    if (rv_key_vmid(key[0]) != rv_key_vmid(rv->hgatp))
        return false;
    return !(arg & RV_MATCH_ASID) || rv_key_asid(key[1]) == (arg & RV_SATP_ASID_MASK);
}

static bool rv_match_vmid(const struct rv_cpu *rv, const uint64_t key[2], uint64_t vmid)
{
    return rv_key_vmid(key[0]) == (vmid & RV_HGATP_VMID_MASK);
}

void rv_fence_hs(struct rv_cpu *rv, bool has_va, uint64_t va, bool has_asid, uint64_t asid)
{
    struct rv_hart *h = rv_hart_of(rv);
    rv_fence_banks(rv, &h->ctx_hs, h->max_leaf_size, has_va, va, has_asid ? rv_match_hs_asid : NULL, asid);
}

void rv_fence_vvma(struct rv_cpu *rv, bool has_va, uint64_t va, bool has_asid, uint64_t asid)
{
    struct rv_hart *h = rv_hart_of(rv);
    uint64_t arg = has_asid ? (asid & RV_SATP_ASID_MASK) | RV_MATCH_ASID : 0;
    rv_fence_banks(rv, &h->ctx_vs, h->max_leaf_size_vs, has_va, va, rv_match_guest, arg);
}

void rv_fence_gvma(struct rv_cpu *rv, bool has_vmid, uint64_t vmid)
{
    struct rv_hart *h = rv_hart_of(rv);
    rv_fence_banks(rv, &h->ctx_vs, 0, false, 0, has_vmid ? rv_match_vmid : NULL, vmid);
}

void rv_tlb_flush_guest(struct rv_cpu *rv)
{
    rv_fence_gvma(rv, false, 0);
}
