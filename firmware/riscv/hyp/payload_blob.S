/*
 * The SBI payload (tests/guest/kvm_payload.S as a flat binary) inside the
 * image of sbi_host.c. The build puts kvm_payload.bin on the assembler's
 * include path.
 */
    .section .text.payload, "ax", @progbits
    .balign 4096
    .globl  payload_start
payload_start:
    .incbin "kvm_payload.bin"
