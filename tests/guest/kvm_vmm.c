/*
 * A static VMM for the Linux boot test's "kvm" check: runs the L2 payload
 * (/kvm_payload.bin, tests/guest/kvm_payload.S) as a one-vCPU KVM guest
 * of the Linux running inside emu with the H extension (Linux
 * Documentation/virt/kvm/api.rst; RISC-V: arch/riscv/include/uapi/asm/kvm.h).
 *
 *   /dev/kvm: KVM_CREATE_VM, KVM_SET_USER_MEMORY_REGION (4 MiB of guest
 *   RAM at 0x8000_0000 holding the payload), KVM_CREATE_VCPU,
 *   KVM_SET_ONE_REG for the boot registers (pc, a0 = hart id, a1 = no
 *   device tree), then KVM_RUN until the guest shuts down.
 *
 * The payload's SBI console calls (legacy putchar) come back to this VMM
 * as KVM_EXIT_RISCV_SBI; each character is written to the console as it
 * arrives, lines prefixed with "emu-kvm-l2: ". Its timer (SBI TIME) is
 * KVM's own business: with Sstc the guest's vstimecmp. The check passes
 * when the payload greeted, took its timer interrupt, said "done" and
 * shut down through SBI system reset (KVM_EXIT_SYSTEM_EVENT).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define KVM_L2_RAM_BASE 0x80000000ull
#define KVM_L2_RAM_SIZE (4u << 20)
#define KVM_L2_PAYLOAD "/kvm_payload.bin"
#define KVM_L2_MAX_EXITS 100000u
#define SBI_EXT_LEGACY_PUTCHAR 0x01
#define KVM_L2_LOG 4096

struct kvm_l2 {
    int kvm, vm, vcpu;
    uint8_t *ram;
    struct kvm_run *run;
    size_t run_size;
    char log[KVM_L2_LOG];       /* what the payload printed, for the verdict */
    size_t log_len;
    char line[128];             /* the console line being assembled */
    size_t line_len;
    unsigned sbi_exits;
};

static int kvm_l2_fail(char *msg, size_t len, const char *what)
{
    snprintf(msg, len, "%s: %s", what, errno ? strerror(errno) : "unexpected");
    return -1;
}

static int kvm_l2_set_reg(struct kvm_l2 *k, uint64_t id, uint64_t val)
{
    struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)(uintptr_t)&val };
    return ioctl(k->vcpu, KVM_SET_ONE_REG, &reg);
}

static uint64_t kvm_l2_core_reg(size_t offset)
{
    return KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_CORE | (offset / sizeof(unsigned long));
}

/* Reads the payload into guest RAM at its base. */
static int kvm_l2_load(struct kvm_l2 *k, char *msg, size_t len)
{
    int fd = open(KVM_L2_PAYLOAD, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return kvm_l2_fail(msg, len, KVM_L2_PAYLOAD);
    ssize_t n, total = 0;
    while ((n = read(fd, k->ram + total, KVM_L2_RAM_SIZE - (size_t)total)) > 0)
        total += n;
    close(fd);
    if (n < 0 || total == 0) {
        errno = n < 0 ? errno : 0;
        return kvm_l2_fail(msg, len, "reading the payload");
    }
    return 0;
}

/* One console character from the guest: echoed line by line. */
static void kvm_l2_putchar(struct kvm_l2 *k, char c)
{
    if (k->log_len + 1 < sizeof(k->log))
        k->log[k->log_len++] = c;
    k->log[k->log_len] = 0;
    if (c != '\n' && k->line_len + 1 < sizeof(k->line)) {
        k->line[k->line_len++] = c;
        return;
    }
    k->line[k->line_len] = 0;
    printf("emu-kvm-l2: %s\n", k->line);
    fflush(stdout);
    k->line_len = 0;
}

static int kvm_l2_setup(struct kvm_l2 *k, char *msg, size_t len)
{
    k->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (k->kvm < 0)
        return kvm_l2_fail(msg, len, "/dev/kvm");
    if (ioctl(k->kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
        return kvm_l2_fail(msg, len, "KVM_GET_API_VERSION");
    k->vm = ioctl(k->kvm, KVM_CREATE_VM, 0);
    if (k->vm < 0)
        return kvm_l2_fail(msg, len, "KVM_CREATE_VM");
    k->ram = mmap(NULL, KVM_L2_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (k->ram == MAP_FAILED) {
        k->ram = NULL;
        return kvm_l2_fail(msg, len, "guest RAM");
    }
    if (kvm_l2_load(k, msg, len) < 0)
        return -1;
    struct kvm_userspace_memory_region region = {
        .slot = 0,
        .guest_phys_addr = KVM_L2_RAM_BASE,
        .memory_size = KVM_L2_RAM_SIZE,
        .userspace_addr = (uint64_t)(uintptr_t)k->ram,
    };
    if (ioctl(k->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
        return kvm_l2_fail(msg, len, "KVM_SET_USER_MEMORY_REGION");
    k->vcpu = ioctl(k->vm, KVM_CREATE_VCPU, 0);
    if (k->vcpu < 0)
        return kvm_l2_fail(msg, len, "KVM_CREATE_VCPU");
    int size = ioctl(k->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (size < (int)sizeof(struct kvm_run))
        return kvm_l2_fail(msg, len, "KVM_GET_VCPU_MMAP_SIZE");
    k->run_size = (size_t)size;
    k->run = mmap(NULL, k->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, k->vcpu, 0);
    if (k->run == MAP_FAILED) {
        k->run = NULL;
        return kvm_l2_fail(msg, len, "mmap of kvm_run");
    }
    /* Boot registers (SBI spec ch. 4, "boot" protocol of a supervisor
     * image): pc at the image, a0 = hart id, a1 = device tree (none). */
    if (kvm_l2_set_reg(k, kvm_l2_core_reg(offsetof(struct kvm_riscv_core, regs.pc)), KVM_L2_RAM_BASE) < 0 ||
        kvm_l2_set_reg(k, kvm_l2_core_reg(offsetof(struct kvm_riscv_core, regs.a0)), 0) < 0 ||
        kvm_l2_set_reg(k, kvm_l2_core_reg(offsetof(struct kvm_riscv_core, regs.a1)), 0) < 0)
        return kvm_l2_fail(msg, len, "KVM_SET_ONE_REG");
    return 0;
}

/* Runs the vCPU until the guest shuts down: 0, or -1 with msg set. */
static int kvm_l2_run(struct kvm_l2 *k, char *msg, size_t len)
{
    for (unsigned exits = 0; exits < KVM_L2_MAX_EXITS; exits++) {
        if (ioctl(k->vcpu, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return kvm_l2_fail(msg, len, "KVM_RUN");
        }
        struct kvm_run *r = k->run;
        switch (r->exit_reason) {
        case KVM_EXIT_RISCV_SBI:
            k->sbi_exits++;
            if (r->riscv_sbi.extension_id == SBI_EXT_LEGACY_PUTCHAR) {
                kvm_l2_putchar(k, (char)r->riscv_sbi.args[0]);
                r->riscv_sbi.ret[0] = 0;
            }
            /* Others keep KVM's preset SBI_ERR_NOT_SUPPORTED. */
            break;
        case KVM_EXIT_SYSTEM_EVENT:
            if (r->system_event.type != KVM_SYSTEM_EVENT_SHUTDOWN) {
                snprintf(msg, len, "system event %u, not a shutdown", r->system_event.type);
                return -1;
            }
            return 0;
        default:
            snprintf(msg, len, "unexpected exit reason %u", r->exit_reason);
            return -1;
        }
    }
    snprintf(msg, len, "no shutdown after %u exits", KVM_L2_MAX_EXITS);
    return -1;
}

static void kvm_l2_close(struct kvm_l2 *k)
{
    if (k->run)
        munmap(k->run, k->run_size);
    if (k->ram)
        munmap(k->ram, KVM_L2_RAM_SIZE);
    if (k->vcpu >= 0)
        close(k->vcpu);
    if (k->vm >= 0)
        close(k->vm);
    if (k->kvm >= 0)
        close(k->kvm);
}

int check_kvm(char *msg, size_t len);

int check_kvm(char *msg, size_t len)
{
    static struct kvm_l2 k;
    memset(&k, 0, sizeof(k));
    k.kvm = k.vm = k.vcpu = -1;
    errno = 0;
    int rc = kvm_l2_setup(&k, msg, len);
    if (rc == 0)
        rc = kvm_l2_run(&k, msg, len);
    if (rc == 0) {
        static const char *const want[] = {
            "payload: hello from supervisor mode\n",
            "payload: timer interrupt taken\n",
            "payload: done\n",
        };
        for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
            if (!strstr(k.log, want[i])) {
                snprintf(msg, len, "the L2 guest did not print \"%.*s\"", (int)strlen(want[i]) - 1, want[i]);
                rc = -1;
                break;
            }
        }
    }
    if (rc == 0)
        snprintf(msg, len, "L2 guest printed through %u SBI exits, took its timer interrupt, shut down",
                 k.sbi_exits);
    kvm_l2_close(&k);
    return rc;
}
