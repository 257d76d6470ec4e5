/*
 * Init of the Linux guest in bench/hext.sh: mounts devtmpfs, runs the KVM
 * check of tests/guest/kvm_vmm.c (its L2 guest, the payload, runs the
 * benchmark loop between its "loop start" and "loop end" lines) and
 * powers the machine off.
 */
#include <stdio.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <unistd.h>

int check_kvm(char *msg, size_t len);

int main(void)
{
    char msg[256] = "";
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    int rc = check_kvm(msg, sizeof(msg));
    printf("hext-init: kvm %s %s\n", rc == 0 ? "PASS" : "FAIL", msg);
    fflush(stdout);
    sync();
    reboot(RB_POWER_OFF);
    return 1;
}
