/*
 * Unit tests for core/chardev: scripted input in order and blocking,
 * output through, the null and file backends, the terminal escape keys on
 * a pseudo-terminal, and terminal settings restored on close.
 */
#define _GNU_SOURCE
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "core/chardev.h"

static struct chardev *open_pipe_input(int fds[2], const char *text, bool close_writer)
{
    struct emu_err err = { "" };
    ck_assert_int_eq(pipe(fds), 0);
    if (text)
        ck_assert_int_eq(write(fds[1], text, strlen(text)), (ssize_t)strlen(text));
    if (close_writer) {
        close(fds[1]);
        fds[1] = -1;
    }
    struct chardev *ch = chardev_open_fds(fds[0], -1, &err);
    ck_assert_ptr_nonnull(ch);
    return ch;
}

START_TEST(test_chardev_pipe_input_read_in_order_then_end)
{
    int fds[2];
    struct chardev *ch = open_pipe_input(fds, "hello", true);
    char got[6] = { 0 };
    uint8_t b;

    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(chardev_read(ch, &b), 1);
        got[i] = (char)b;
    }
    ck_assert_str_eq(got, "hello");
    ck_assert_int_eq(chardev_read(ch, &b), -1);
    ck_assert_int_eq(chardev_read(ch, &b), -1);
    ck_assert(!chardev_is_interactive(ch));
    ck_assert(!chardev_quit_requested(ch));
    chardev_close(ch);
    close(fds[0]);
}
END_TEST

START_TEST(test_chardev_pipe_input_blocks_until_byte_arrives)
{
    int fds[2];
    struct chardev *ch = open_pipe_input(fds, NULL, false);
    uint8_t b = 0;
    pid_t pid = fork();

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        usleep(50000);
        if (write(fds[1], "z", 1) != 1)
            _exit(1);
        _exit(0);
    }
    /* A scripted session never answers "nothing now". */
    ck_assert_int_eq(chardev_read(ch, &b), 1);
    ck_assert_int_eq(b, 'z');
    waitpid(pid, NULL, 0);
    chardev_close(ch);
    close(fds[0]);
    close(fds[1]);
}
END_TEST

START_TEST(test_chardev_scripted_ctrl_a_passes_through)
{
    int fds[2];
    struct chardev *ch = open_pipe_input(fds, "\x01x", true);
    uint8_t b;

    ck_assert_int_eq(chardev_read(ch, &b), 1);
    ck_assert_int_eq(b, 0x01);
    ck_assert_int_eq(chardev_read(ch, &b), 1);
    ck_assert_int_eq(b, 'x');
    ck_assert(!chardev_quit_requested(ch));
    chardev_close(ch);
    close(fds[0]);
}
END_TEST

START_TEST(test_chardev_write_reaches_output_fd)
{
    struct emu_err err = { "" };
    int fds[2];
    char buf[16] = { 0 };

    ck_assert_int_eq(pipe(fds), 0);
    struct chardev *ch = chardev_open_fds(-1, fds[1], &err);
    ck_assert_ptr_nonnull(ch);
    chardev_write(ch, "abc", 3);
    /* Written through at once, before close. */
    ck_assert_int_eq(read(fds[0], buf, sizeof(buf)), 3);
    ck_assert_str_eq(buf, "abc");
    uint8_t b;
    ck_assert_int_eq(chardev_read(ch, &b), -1);
    chardev_close(ch);
    close(fds[0]);
    close(fds[1]);
}
END_TEST

START_TEST(test_chardev_null_discards_and_has_no_input)
{
    struct emu_err err = { "" };
    struct chardev *ch = chardev_open("null", &err);
    uint8_t b;

    ck_assert_ptr_nonnull(ch);
    chardev_write(ch, "x", 1);
    ck_assert_int_eq(chardev_read(ch, &b), -1);
    chardev_close(ch);
}
END_TEST

START_TEST(test_chardev_file_backend_writes_file)
{
    struct emu_err err = { "" };
    char path[] = "/tmp/check_chardev_XXXXXX";
    int fd = mkstemp(path);
    char spec[64], buf[16] = { 0 };
    uint8_t b;

    ck_assert_int_ge(fd, 0);
    close(fd);
    snprintf(spec, sizeof(spec), "file:%s", path);
    struct chardev *ch = chardev_open(spec, &err);
    ck_assert_ptr_nonnull(ch);
    chardev_write(ch, "OK\n", 3);
    ck_assert_int_eq(chardev_read(ch, &b), -1);
    chardev_close(ch);
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fread(buf, 1, sizeof(buf), f), 3);
    fclose(f);
    unlink(path);
    ck_assert_str_eq(buf, "OK\n");
}
END_TEST

START_TEST(test_chardev_bad_spec_fails_with_message)
{
    struct emu_err err = { "" };

    ck_assert_ptr_null(chardev_open("tcp:1234", &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "tcp:1234"));
    ck_assert_ptr_null(chardev_open("file:", &err));
    ck_assert_ptr_null(chardev_open("file:/nonexistent-dir/x", &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent-dir/x"));
}
END_TEST

/* Puts a pseudo-terminal on stdin (the test runs in its own process). */
static int pty_on_stdin(void)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    ck_assert_int_ge(master, 0);
    ck_assert_int_eq(grantpt(master), 0);
    ck_assert_int_eq(unlockpt(master), 0);
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    ck_assert_int_ge(slave, 0);
    ck_assert_int_eq(dup2(slave, STDIN_FILENO), STDIN_FILENO);
    close(slave);
    return master;
}

/* Reads until a byte, quit, or a retry limit: terminal input is not blocking. */
static int read_tty(struct chardev *ch, uint8_t *b)
{
    for (int i = 0; i < 200; i++) {
        int r = chardev_read(ch, b);
        if (r != 0 || chardev_quit_requested(ch))
            return r;
        usleep(1000);
    }
    return 0;
}

START_TEST(test_chardev_terminal_escape_keys_handled)
{
    struct emu_err err = { "" };
    int master = pty_on_stdin();
    uint8_t b = 0;

    struct chardev *ch = chardev_open("stdio", &err);
    ck_assert_ptr_nonnull(ch);
    ck_assert(chardev_is_interactive(ch));
    ck_assert_int_eq(chardev_read(ch, &b), 0);   /* nothing typed yet */
    ck_assert_int_eq(write(master, "a\x01\x01", 3), 3);
    ck_assert_int_eq(read_tty(ch, &b), 1);
    ck_assert_int_eq(b, 'a');
    ck_assert_int_eq(read_tty(ch, &b), 1);
    ck_assert_int_eq(b, 0x01);                   /* C-a C-a sends C-a */
    ck_assert(!chardev_quit_requested(ch));
    ck_assert_int_eq(write(master, "\x01x", 2), 2);
    ck_assert_int_eq(read_tty(ch, &b), 0);
    ck_assert(chardev_quit_requested(ch));       /* C-a x */
    chardev_close(ch);
    close(master);
}
END_TEST

START_TEST(test_chardev_terminal_poll_sees_quit_without_read)
{
    struct emu_err err = { "" };
    int master = pty_on_stdin();
    uint8_t b = 0;

    struct chardev *ch = chardev_open("stdio", &err);
    ck_assert_ptr_nonnull(ch);
    ck_assert_int_eq(write(master, "typed\x01x", 7), 7);
    for (int i = 0; i < 200 && !chardev_quit_requested(ch); i++) {
        chardev_poll(ch);
        usleep(1000);
    }
    ck_assert(chardev_quit_requested(ch));
    ck_assert_int_eq(chardev_read(ch, &b), 1);   /* typed bytes kept for the guest */
    ck_assert_int_eq(b, 't');
    chardev_close(ch);
    close(master);
}
END_TEST

START_TEST(test_chardev_terminal_settings_restored_on_close)
{
    struct emu_err err = { "" };
    int master = pty_on_stdin();
    struct termios before, during, after;

    ck_assert_int_eq(tcgetattr(STDIN_FILENO, &before), 0);
    struct chardev *ch = chardev_open("stdio", &err);
    ck_assert_ptr_nonnull(ch);
    ck_assert_int_eq(tcgetattr(STDIN_FILENO, &during), 0);
    ck_assert(!(during.c_lflag & (ICANON | ECHO | ISIG)));
    chardev_close(ch);
    ck_assert_int_eq(tcgetattr(STDIN_FILENO, &after), 0);
    ck_assert_uint_eq(after.c_lflag, before.c_lflag);
    ck_assert_uint_eq(after.c_iflag, before.c_iflag);
    close(master);
}
END_TEST

static Suite *chardev_suite(void)
{
    Suite *s = suite_create("chardev");
    TCase *tc = tcase_create("backends");
    tcase_add_test(tc, test_chardev_pipe_input_read_in_order_then_end);
    tcase_add_test(tc, test_chardev_pipe_input_blocks_until_byte_arrives);
    tcase_add_test(tc, test_chardev_scripted_ctrl_a_passes_through);
    tcase_add_test(tc, test_chardev_write_reaches_output_fd);
    tcase_add_test(tc, test_chardev_null_discards_and_has_no_input);
    tcase_add_test(tc, test_chardev_file_backend_writes_file);
    tcase_add_test(tc, test_chardev_bad_spec_fails_with_message);
    tcase_add_test(tc, test_chardev_terminal_escape_keys_handled);
    tcase_add_test(tc, test_chardev_terminal_poll_sees_quit_without_read);
    tcase_add_test(tc, test_chardev_terminal_settings_restored_on_close);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(chardev_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
