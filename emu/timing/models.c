/*
 * The built-in timing models, in the model file format (docs/timing.md),
 * so each one is also an example to copy into a file and change. The
 * figures say where they come from: "(src: ...)" for published ones,
 * "(est.)" for our estimates where no public figure was found.
 */
#include <string.h>

#include "timing/model.h"

/* Today's default: every instruction one cycle, nothing else modelled. */
static const char model_fast_text[] =
    "# fast: every instruction costs one cycle; no caches, TLBs or branch\n"
    "# prediction. The default, and the fastest to run.\n"
    "name fast\n"
    "frequency 1GHz\n"
    "issue_width 1\n"
    "latency default 1\n";

/* A small single-issue core in the shape of rocket-chip's default
 * configuration (rocket/HellaCache.scala DCacheParams, ICache.scala,
 * BTB.scala BTBParams/BHTParams, subsystem Configs WithNBigCores). */
static const char model_inorder_small_text[] =
    "# inorder-small: a single-issue in-order core shaped like rocket-chip's\n"
    "# default Rocket tile.\n"
    "name inorder-small\n"
    "frequency 1GHz                    # (est.)\n"
    "issue_width 1\n"
    "latency default 1\n"
    "latency int_mul 8                 # 64-bit multiply, 8 bits per cycle (src: rocket MulDivParams mulUnroll 8)\n"
    "latency int_div 64                # one bit per cycle (src: rocket MulDiv, divUnroll 1)\n"
    "latency fp_add 4                  # (est.)\n"
    "latency fp_mul 4                  # (est.)\n"
    "latency fp_div 20                 # (est.)\n"
    "latency fp_sqrt 25                # (est.)\n"
    "latency fp_misc 2                 # (est.)\n"
    "latency system 3                  # pipeline refill after a trap or return (est.)\n"
    "latency atomic 2                  # (est.)\n"
    "# 64 sets x 4 ways x 64 B (src: rocket DCacheParams/ICacheParams defaults)\n"
    "cache l1i size 16K ways 4 line 64 hit 1 miss 1   # latencies (est.)\n"
    "cache l1d size 16K ways 4 line 64 hit 2 miss 1   # latencies (est.)\n"
    "cache l2 size 512K ways 8 line 64 hit 12 miss 4  # (est.)\n"
    "dram latency 80                   # (est.)\n"
    "tlb itlb entries 32               # fully associative (src: rocket nTLBSets 1, nTLBWays 32)\n"
    "tlb dtlb entries 32               # (src: as itlb)\n"
    "walk latency 2                    # besides the PTE reads through the data cache (est.)\n"
    "# 512 counters, 8 bits of history (src: rocket BHTParams); BTB 28 entries\n"
    "# rounded up to 32 (src: rocket BTBParams); penalty (est.)\n"
    "branch gshare entries 512 history 8 btb 32 penalty 3\n";

/* A SiFive U74-like core as in the FU740 SoC (HiFive Unmatched). */
static const char model_u74_text[] =
    "# u74: a SiFive U74-like dual-issue in-order core, as in the FU740 SoC of\n"
    "# the HiFive Unmatched board.\n"
    "name u74\n"
    "frequency 1.2GHz                  # (src: gem5 riscvmatched board, 1.2 GHz)\n"
    "issue_width 2                     # dual issue, in order (src: gem5 riscvmatched core)\n"
    "latency default 1\n"
    "latency int_mul 3                 # (src: LLVM RISCVSchedSiFive7.td; gem5 riscvmatched)\n"
    "latency int_div 66                # 64-bit divide; 32-bit forms take 34 (src: LLVM SiFive7)\n"
    "latency fp_add 7                  # double; single takes 5 (src: LLVM SiFive7)\n"
    "latency fp_mul 7                  # double; single takes 5 (src: LLVM SiFive7)\n"
    "latency fp_div 56                 # double; single takes 27 (src: LLVM SiFive7)\n"
    "latency fp_sqrt 56                # double; single takes 27 (src: LLVM SiFive7)\n"
    "latency fp_misc 3                 # sign injection, min/max, conversions (src: LLVM SiFive7)\n"
    "latency atomic 3                  # (src: LLVM SiFive7)\n"
    "latency system 4                  # pipeline refill after a trap or return (est.)\n"
    "# Geometry (src: Linux fu740-c000.dtsi: i-cache 128 sets, d-cache 64 sets,\n"
    "# 64 B blocks, L2 2048 sets; gem5 riscvmatched: 4-way, 8-way, 16-way)\n"
    "cache l1i size 32K ways 4 line 64 hit 1 miss 2      # latencies (est.)\n"
    "cache l1d size 32K ways 8 line 64 hit 3 miss 2      # load-to-use 3 (src: LLVM SiFive7); miss (est.)\n"
    "cache l2 size 2M ways 16 line 64 hit 20 miss 10     # (src: gem5 riscvmatched L2 data latency 20,\n"
    "                                                    #  gem5 L2 tag latency 10)\n"
    "dram latency 120                  # about 100 ns at 1.2 GHz (est.)\n"
    "tlb itlb entries 40               # fully associative (src: fu740-c000.dtsi i-tlb-size 40, sets 1)\n"
    "tlb dtlb entries 40               # (src: fu740-c000.dtsi d-tlb-size 40, sets 1)\n"
    "tlb l2tlb entries 512 ways 1 hit 4   # (est.)\n"
    "walk latency 4                    # besides the PTE reads through the data cache (est.)\n"
    "# The 3.6 KiB branch history table rounded up to 16384 two-bit counters\n"
    "# and a 32-entry BTB (src: gem5 riscvmatched U74BP); history, penalty (est.)\n"
    "branch gshare entries 16384 history 14 btb 32 penalty 4\n";

const char *const timing_model_names[] = { "fast", "inorder-small", "u74", NULL };

static const char *const model_texts[] = { model_fast_text, model_inorder_small_text, model_u74_text };

const char *timing_model_text(const char *name)
{
    for (unsigned i = 0; timing_model_names[i]; i++) {
        if (!strcmp(timing_model_names[i], name))
            return model_texts[i];
    }
    return NULL;
}
