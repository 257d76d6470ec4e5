/* Building the IR of one TB (see ir.h). */
#include "exec/ir.h"

#include <string.h>

void ir_builder_reset(struct ir_builder *b)
{
    b->nops = 0;
    b->next_temp = IR_TEMP_BASE;
    b->ninsns = 0;
    b->insn_cap = IR_MAX_INSNS - 1;
    b->code_end = 0;
    b->overflow = false;
}

void ir_insn_start(struct ir_builder *b, unsigned off, enum op_class cls)
{
    if (b->ninsns >= IR_MAX_INSNS) {
        b->overflow = true;
        return;
    }
    b->insn_off[b->ninsns] = (uint16_t)off;
    b->insn_class[b->ninsns] = (uint8_t)cls;
    b->ninsns++;
}

unsigned ir_temp(struct ir_builder *b)
{
    if (b->next_temp >= IR_NSLOTS) {
        /* Out of temps: the TB is too long; reuse the last one and let the
         * front end notice through ir_has_room. */
        b->overflow = true;
        return IR_NSLOTS - 1;
    }
    return b->next_temp++;
}

bool ir_has_room(const struct ir_builder *b, unsigned n)
{
    return !b->overflow && b->nops + n <= IR_MAX_OPS && b->ninsns < b->insn_cap &&
           b->next_temp + 16 <= IR_NSLOTS;
}

void ir_emit(struct ir_builder *b, struct ir_op op)
{
    if (b->nops >= IR_MAX_OPS) {
        b->overflow = true;
        return;
    }
    op.insn = (uint16_t)(b->ninsns ? b->ninsns - 1 : 0);
    b->ops[b->nops++] = op;
}
