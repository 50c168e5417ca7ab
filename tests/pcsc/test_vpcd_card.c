/* SPDX-License-Identifier: MIT */
/* The vpcd card connector (transports/vpcd) against a test peer playing the vpcd driver on a
 * 127.0.0.1 socket: control messages, APDU frames, split frames, errors, timeouts, closing. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sgp32/vpcd.h"

static const uint8_t test_atr[] = {0x3B, 0x02, 0x14, 0x50};

struct fake_card {
    int power_on, power_off, reset, apdus;
    enum sgp32_status apdu_status;
    uint8_t last_command[300];
    size_t last_command_len;
};

static enum sgp32_status fake_apdu(void *user, const uint8_t *command, size_t command_len, uint8_t *response,
                                   size_t response_cap, size_t *response_len)
{
    struct fake_card *card = user;
    card->apdus++;
    assert_true(response_cap >= 65538);
    assert_true(command_len <= sizeof(card->last_command));
    memcpy(card->last_command, command, command_len);
    card->last_command_len = command_len;
    if (card->apdu_status != SGP32_OK)
        return card->apdu_status;
    /* Answer: the INS byte, then 90 00. */
    response[0] = command[1];
    response[1] = 0x90;
    response[2] = 0x00;
    *response_len = 3;
    return SGP32_OK;
}

static enum sgp32_status fake_power(int *counter, uint8_t *atr, size_t atr_cap, size_t *atr_len)
{
    (*counter)++;
    if (atr != NULL) {
        assert_true(atr_cap >= sizeof(test_atr));
        memcpy(atr, test_atr, sizeof(test_atr));
        *atr_len = sizeof(test_atr);
    }
    return SGP32_OK;
}

static enum sgp32_status fake_on(void *user, uint8_t *atr, size_t cap, size_t *len)
{
    struct fake_card *card = user;
    return fake_power(&card->power_on, atr, cap, len);
}

static enum sgp32_status fake_off(void *user, uint8_t *atr, size_t cap, size_t *len)
{
    struct fake_card *card = user;
    assert_null(atr);
    return fake_power(&card->power_off, NULL, cap, len);
}

static enum sgp32_status fake_reset(void *user, uint8_t *atr, size_t cap, size_t *len)
{
    struct fake_card *card = user;
    return fake_power(&card->reset, atr, cap, len);
}

struct fixture {
    int listener, peer;
    uint16_t port;
    struct sgp32_vpcd *conn;
    struct sgp32_vpcd_card_ops ops;
    struct fake_card card;
};

static int setup(void **state)
{
    static struct fixture f;
    struct sockaddr_in address;
    socklen_t len = sizeof(address);
    memset(&f, 0, sizeof(f));
    f.listener = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(f.listener >= 0);
    memset(&address, 0, sizeof(address));
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0; /* any free port */
    assert_int_equal(bind(f.listener, (struct sockaddr *)&address, sizeof(address)), 0);
    assert_int_equal(listen(f.listener, 1), 0);
    assert_int_equal(getsockname(f.listener, (struct sockaddr *)&address, &len), 0);
    f.port = ntohs(address.sin_port);
    assert_int_equal(sgp32_vpcd_connect("127.0.0.1", f.port, 2000, &f.conn), SGP32_OK);
    f.peer = accept(f.listener, NULL, NULL);
    assert_true(f.peer >= 0);
    f.ops.size = sizeof(f.ops);
    f.ops.process_apdu = fake_apdu;
    f.ops.power_on = fake_on;
    f.ops.power_off = fake_off;
    f.ops.reset = fake_reset;
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    sgp32_vpcd_close(f->conn);
    if (f->peer >= 0)
        close(f->peer);
    close(f->listener);
    return 0;
}

static void peer_send(struct fixture *f, const uint8_t *data, size_t len)
{
    assert_int_equal(send(f->peer, data, len, 0), (ssize_t)len);
}

/* Reads one frame from the connector into out; returns its payload length. */
static size_t peer_frame(struct fixture *f, uint8_t *out, size_t cap)
{
    uint8_t header[2];
    size_t len, done = 0;
    assert_int_equal(recv(f->peer, header, 2, MSG_WAITALL), 2);
    len = (size_t)header[0] << 8 | header[1];
    assert_true(len <= cap);
    while (done < len) {
        ssize_t n = recv(f->peer, out + done, len - done, 0);
        assert_true(n > 0);
        done += (size_t)n;
    }
    return len;
}

static void serve(struct fixture *f, enum sgp32_status expected)
{
    assert_int_equal(sgp32_vpcd_serve_step(f->conn, &f->ops, &f->card, 2000), expected);
}

static void test_atr_before_power_on_powers_the_card(void **state)
{
    struct fixture *f = *state;
    static const uint8_t get_atr[] = {0x00, 0x01, 0x04};
    uint8_t frame[64];
    peer_send(f, get_atr, sizeof(get_atr));
    serve(f, SGP32_OK);
    assert_int_equal(peer_frame(f, frame, sizeof(frame)), sizeof(test_atr));
    assert_memory_equal(frame, test_atr, sizeof(test_atr));
    assert_int_equal(f->card.power_on, 1);
    /* Again: the ATR is remembered, the card is not powered again. */
    peer_send(f, get_atr, sizeof(get_atr));
    serve(f, SGP32_OK);
    assert_int_equal(peer_frame(f, frame, sizeof(frame)), sizeof(test_atr));
    assert_int_equal(f->card.power_on, 1);
}

static void test_power_messages(void **state)
{
    struct fixture *f = *state;
    static const uint8_t off[] = {0x00, 0x01, 0x00}, on[] = {0x00, 0x01, 0x01}, reset[] = {0x00, 0x01, 0x02};
    peer_send(f, off, sizeof(off));
    serve(f, SGP32_OK);
    peer_send(f, on, sizeof(on));
    serve(f, SGP32_OK);
    peer_send(f, reset, sizeof(reset));
    serve(f, SGP32_OK);
    assert_int_equal(f->card.power_off, 1);
    assert_int_equal(f->card.power_on, 1);
    assert_int_equal(f->card.reset, 1);
    /* No answer to power messages: nothing is waiting on the peer's side. */
    assert_int_equal(recv(f->peer, (uint8_t[1]){0}, 1, MSG_DONTWAIT), -1);
}

static void test_apdu_frame(void **state)
{
    struct fixture *f = *state;
    static const uint8_t select[] = {0x00, 0x05, 0x00, 0xA4, 0x04, 0x00, 0x00};
    uint8_t frame[16];
    peer_send(f, select, sizeof(select));
    serve(f, SGP32_OK);
    assert_int_equal(peer_frame(f, frame, sizeof(frame)), 3);
    assert_int_equal(frame[0], 0xA4);
    assert_int_equal(frame[1], 0x90);
    assert_int_equal(f->card.last_command_len, 5);
    assert_memory_equal(f->card.last_command, select + 2, 5);
}

static void test_split_frame_and_card_error(void **state)
{
    struct fixture *f = *state;
    static const uint8_t first[] = {0x00}, rest[] = {0x04, 0x80, 0xE2, 0x91, 0x00};
    uint8_t frame[16];
    pid_t child;
    int status = 0;
    f->card.apdu_status = SGP32_ERR_STORAGE;
    /* The header arrives in two pieces 50 ms apart, while the connector waits: one frame all the same. */
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        const struct timespec pause = {0, 50 * 1000 * 1000};
        int ok = send(f->peer, first, sizeof(first), 0) == 1;
        nanosleep(&pause, NULL);
        ok = ok && send(f->peer, rest, sizeof(rest), 0) == (ssize_t)sizeof(rest);
        _exit(ok ? 0 : 1);
    }
    serve(f, SGP32_OK);
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(peer_frame(f, frame, sizeof(frame)), 2);
    assert_int_equal(frame[0], 0x6F); /* a card failure answers 6F00 */
    assert_int_equal(frame[1], 0x00);
}

static void test_timeout_without_frame(void **state)
{
    struct fixture *f = *state;
    struct timespec start, end;
    long elapsed_ms;
    clock_gettime(CLOCK_MONOTONIC, &start);
    assert_int_equal(sgp32_vpcd_serve_step(f->conn, &f->ops, &f->card, 150), SGP32_ERR_TIMEOUT);
    clock_gettime(CLOCK_MONOTONIC, &end);
    elapsed_ms = (end.tv_sec - start.tv_sec) * 1000 + (end.tv_nsec - start.tv_nsec) / 1000000;
    assert_true(elapsed_ms >= 140 && elapsed_ms < 2000);
}

static void test_malformed_frames(void **state)
{
    struct fixture *f = *state;
    static const uint8_t empty[] = {0x00, 0x00}, unknown_control[] = {0x00, 0x01, 0x07};
    peer_send(f, unknown_control, sizeof(unknown_control));
    serve(f, SGP32_ERR_PROTOCOL);
    peer_send(f, empty, sizeof(empty));
    serve(f, SGP32_ERR_PROTOCOL);
}

static void test_peer_closes(void **state)
{
    struct fixture *f = *state;
    close(f->peer);
    f->peer = -1;
    serve(f, SGP32_ERR_TRANSPORT);
    assert_int_equal(sgp32_vpcd_last_errno(f->conn), 0); /* a clean close, not an I/O error */
}

static void test_peer_closes_inside_a_frame(void **state)
{
    struct fixture *f = *state;
    static const uint8_t partial[] = {0x00, 0x05, 0x00, 0xA4};
    peer_send(f, partial, sizeof(partial));
    close(f->peer);
    f->peer = -1;
    serve(f, SGP32_ERR_TRANSPORT);
    assert_int_equal(f->card.apdus, 0);
}

static void test_connect_refused(void **state)
{
    struct sgp32_vpcd *conn = NULL;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address;
    socklen_t len = sizeof(address);
    (void)state;
    /* A port that was free a moment ago and has no listener. */
    memset(&address, 0, sizeof(address));
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&address, sizeof(address)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&address, &len), 0);
    close(fd);
    assert_int_equal(sgp32_vpcd_connect("127.0.0.1", ntohs(address.sin_port), 1000, &conn), SGP32_ERR_TRANSPORT);
    assert_null(conn);
    assert_int_equal(sgp32_vpcd_connect(NULL, 1, 1000, &conn), SGP32_ERR_INVALID_ARGUMENT);
    assert_int_equal(sgp32_vpcd_connect("127.0.0.1", 0, 1000, &conn), SGP32_ERR_INVALID_ARGUMENT);
    sgp32_vpcd_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_atr_before_power_on_powers_the_card, setup, teardown),
        cmocka_unit_test_setup_teardown(test_power_messages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apdu_frame, setup, teardown),
        cmocka_unit_test_setup_teardown(test_split_frame_and_card_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_without_frame, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_frames, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_closes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_closes_inside_a_frame, setup, teardown),
        cmocka_unit_test(test_connect_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
