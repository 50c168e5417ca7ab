/* SPDX-License-Identifier: MIT */
/* The AT transport's parser (final result codes, +CSIM/+CGLA/+CCHO answers, hex) and its line I/O
 * with deadlines (partial lines, CR/LF variants, over-long lines, end of file), then the transport's
 * own entry points over a socketpair to the modem emulator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "at_internal.h"
#include "modem_emulator.h"
#include "sgp32/sgp32.h"
#include "sgp32/transport_at.h"

static const uint8_t test_eid[16] = {0x89, 0x04, 0x90, 0x32, 0x00, 0x11, 0x22, 0x33,
                                     0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0x00, 0x40};

static enum at_line_kind classify(const char *line, const char *command)
{
    return sgp32_atcmd_classify_line(line, strlen(line), command);
}

static void test_final_result_codes(void **state)
{
    (void)state;
    assert_int_equal(classify("OK", NULL), AT_LINE_OK);
    assert_int_equal(classify("ok", NULL), AT_LINE_OK);
    assert_int_equal(classify("ERROR", NULL), AT_LINE_ERROR);
    assert_int_equal(classify("NO CARRIER", NULL), AT_LINE_ERROR);
    assert_int_equal(classify("+CME ERROR: 10", NULL), AT_LINE_CME_ERROR);
    assert_int_equal(classify("+CME ERROR: SIM not inserted", NULL), AT_LINE_CME_ERROR);
    assert_int_equal(classify("+CMS ERROR: 500", NULL), AT_LINE_CMS_ERROR);
    assert_true(sgp32_atcmd_line_is_final(AT_LINE_OK) && sgp32_atcmd_line_is_final(AT_LINE_ERROR));
    assert_true(sgp32_atcmd_line_is_final(AT_LINE_CME_ERROR) && sgp32_atcmd_line_is_final(AT_LINE_CMS_ERROR));
    assert_false(sgp32_atcmd_line_is_final(AT_LINE_INFORMATION) || sgp32_atcmd_line_is_final(AT_LINE_ECHO));
    /* Words that only start like a final code are not one. */
    assert_int_equal(classify("OKAY", NULL), AT_LINE_INFORMATION);
    assert_int_equal(classify("ERRORS", NULL), AT_LINE_INFORMATION);

    assert_int_equal(sgp32_atcmd_parse_error_code("+CME ERROR: 10"), 10);
    assert_int_equal(sgp32_atcmd_parse_error_code("+CME ERROR:3"), 3);
    assert_int_equal(sgp32_atcmd_parse_error_code("+CMS ERROR: 500 "), 500);
    assert_int_equal(sgp32_atcmd_parse_error_code("+CME ERROR: SIM busy"), -1);
    assert_int_equal(sgp32_atcmd_parse_error_code("+CME ERROR: 99999999999"), -1);
    assert_int_equal(sgp32_atcmd_parse_error_code("+CME ERROR: 12x"), -1);
}

static void test_echo_urc_and_garbage(void **state)
{
    static const char binary[] = {'O', 'K', (char)0xFF};
    (void)state;
    assert_int_equal(classify("AT+CSIM=10,\"0070000001\"", "AT+CSIM=10,\"0070000001\""), AT_LINE_ECHO);
    assert_int_equal(classify("at+csim=10,\"0070000001\"", "AT+CSIM=10,\"0070000001\""), AT_LINE_ECHO);
    assert_int_equal(classify("AT+CSIM=10,\"0070000001\"", "AT"), AT_LINE_INFORMATION);
    assert_int_equal(classify("+CREG: 1", "AT"), AT_LINE_INFORMATION);
    assert_int_equal(classify("RDY", NULL), AT_LINE_INFORMATION);
    assert_int_equal(sgp32_atcmd_classify_line(binary, sizeof(binary), NULL), AT_LINE_GARBAGE);
    assert_int_equal(classify("\x01OK", NULL), AT_LINE_GARBAGE);
    assert_int_equal(sgp32_atcmd_classify_line("OK\0X", 4, NULL), AT_LINE_GARBAGE); /* embedded NUL */
    assert_int_equal(sgp32_atcmd_classify_line("", 0, NULL), AT_LINE_GARBAGE);
}

static void test_hex_answers(void **state)
{
    uint8_t out[8];
    size_t len = 99;
    (void)state;
    assert_int_equal(sgp32_atcmd_parse_hex_answer("+CSIM: 4,\"9000\"", "+CSIM:", out, sizeof(out), &len), SGP32_OK);
    assert_int_equal(len, 2);
    assert_int_equal(out[0], 0x90);
    assert_int_equal(out[1], 0x00);
    /* Lower case, no quotes, no space, spaces around the comma: all seen on modems. */
    assert_int_equal(sgp32_atcmd_parse_hex_answer("+CGLA:6,01af6c", "+CGLA:", out, sizeof(out), &len), SGP32_OK);
    assert_int_equal(len, 3);
    assert_int_equal(out[1], 0xAF);
    assert_int_equal(sgp32_atcmd_parse_hex_answer("+csim: 4 , \"6A88\" ", "+CSIM:", out, sizeof(out), &len), SGP32_OK);
    assert_int_equal(out[0], 0x6A);
    assert_int_equal(out[1], 0x88);

    /* Without the prefix (reported for Fibocom FM350-GL), parsed with an empty prefix. */
    assert_int_equal(sgp32_atcmd_parse_hex_answer("4,\"6A82\"", "", out, sizeof(out), &len), SGP32_OK);
    assert_int_equal(out[1], 0x82);
    assert_int_equal(sgp32_atcmd_parse_hex_answer("+CSIM: 6,\"9000\"", "+CSIM:", out, sizeof(out), &len),
                     SGP32_ERR_PROTOCOL); /* length disagrees */
    assert_int_equal(len, 0);
    assert_int_equal(sgp32_atcmd_parse_hex_answer("+CSIM: 3,\"900\"", "+CSIM:", out, sizeof(out), &len),
                     SGP32_ERR_PROTOCOL);
    assert_int_equal(sgp32_atcmd_parse_hex_answer("+CSIM: 4,\"90G0\"", "+CSIM:", out, sizeof(out), &len),
                     SGP32_ERR_PROTOCOL);
    assert_int_equal(sgp32_atcmd_parse_hex_answer("+CSIM: 4,\"9000", "+CSIM:", out, sizeof(out), &len),
                     SGP32_ERR_PROTOCOL);
    assert_int_equal(sgp32_atcmd_parse_hex_answer("+CSIM: 4,\"9000\"x", "+CSIM:", out, sizeof(out), &len),
                     SGP32_ERR_PROTOCOL);
    assert_int_equal(sgp32_atcmd_parse_hex_answer("+CSIM: ,\"9000\"", "+CSIM:", out, sizeof(out), &len),
                     SGP32_ERR_PROTOCOL);
    assert_int_equal(sgp32_atcmd_parse_hex_answer("+CGLA: 4,\"9000\"", "+CSIM:", out, sizeof(out), &len),
                     SGP32_ERR_PROTOCOL);
    assert_int_equal(sgp32_atcmd_parse_hex_answer("+CSIM: 99999999999,\"9000\"", "+CSIM:", out, sizeof(out), &len),
                     SGP32_ERR_PROTOCOL);
    assert_int_equal(
        sgp32_atcmd_parse_hex_answer("+CSIM: 20,\"00112233445566778899\"", "+CSIM:", out, sizeof(out), &len),
        SGP32_ERR_BUFFER_TOO_SMALL);
}

static void test_session_ids(void **state)
{
    char token[AT_SESSION_ID_MAX + 1];
    uint32_t id = 0;
    (void)state;
    assert_int_equal(sgp32_atcmd_parse_session_id("+CCHO: 5", token, sizeof(token), &id), SGP32_OK);
    assert_int_equal(id, 5);
    assert_string_equal(token, "5");
    assert_int_equal(sgp32_atcmd_parse_session_id("1237", token, sizeof(token), &id),
                     SGP32_OK); /* 27.007's bare form */
    assert_int_equal(id, 1237);
    assert_int_equal(sgp32_atcmd_parse_session_id("+ccho:\"17\"", token, sizeof(token), &id), SGP32_OK);
    assert_int_equal(id, 17);
    assert_int_equal(sgp32_atcmd_parse_session_id("4294967295", token, sizeof(token), &id), SGP32_OK);
    assert_int_equal(id, 4294967295u);
    /* Hex-printed ids after the prefix: the text is kept verbatim, the handle is its value. */
    assert_int_equal(sgp32_atcmd_parse_session_id("+CCHO: 000000000385a7cf", token, sizeof(token), &id), SGP32_OK);
    assert_string_equal(token, "000000000385a7cf");
    assert_int_equal(id, 0x0385A7CFu);
    /* A decimal id above 32 bits keeps its text; its handle is derived from it. */
    assert_int_equal(sgp32_atcmd_parse_session_id("+CCHO: 4294967296", token, sizeof(token), &id), SGP32_OK);
    assert_string_equal(token, "4294967296");
    assert_int_equal(id, 0x94967296u);

    assert_int_equal(sgp32_atcmd_parse_session_id("0385a7cf", token, sizeof(token), &id),
                     SGP32_ERR_PROTOCOL); /* bare hex */
    assert_int_equal(sgp32_atcmd_parse_session_id("+CCHO: 0123456789abcdef01234", token, sizeof(token), &id),
                     SGP32_ERR_PROTOCOL); /* longer than any real id */
    assert_int_equal(sgp32_atcmd_parse_session_id("+CCHO: 12345", token, 4, &id), SGP32_ERR_PROTOCOL);
    assert_int_equal(sgp32_atcmd_parse_session_id("+CCHO: ", token, sizeof(token), &id), SGP32_ERR_PROTOCOL);
    assert_int_equal(sgp32_atcmd_parse_session_id("+CCHO: 5,1", token, sizeof(token), &id), SGP32_ERR_PROTOCOL);
    assert_int_equal(sgp32_atcmd_parse_session_id("+CCHO: \"5", token, sizeof(token), &id), SGP32_ERR_PROTOCOL);
    assert_int_equal(sgp32_atcmd_parse_session_id("+CREG: 1", token, sizeof(token), &id), SGP32_ERR_PROTOCOL);
    assert_int_equal(sgp32_atcmd_parse_session_id("", token, sizeof(token), &id), SGP32_ERR_PROTOCOL);
}

static void test_hex_encode_upper_case(void **state)
{
    static const uint8_t data[] = {0x00, 0xab, 0x5F, 0xFF};
    char out[9];
    (void)state;
    sgp32_atcmd_hex_encode(data, sizeof(data), out);
    assert_string_equal(out, "00AB5FFF");
    sgp32_atcmd_hex_encode(data, 0, out);
    assert_string_equal(out, "");
}

static void send_text(int fd, const char *text)
{
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
}

static void test_line_reader(void **state)
{
    struct at_channel channel;
    char line[AT_LINE_MAX];
    char longline[AT_LINE_MAX + 200];
    size_t len = 0;
    int overlong = 0, sv[2];
    uint64_t start;
    (void)state;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(sgp32_atcmd_channel_init(&channel, sv[0]), SGP32_OK);

    /* CR LF framing, empty lines skipped, bare CR and bare LF line ends, a line in two pieces. */
    send_text(sv[1], "\r\n+CSIM: 4,\"9000\"\r\n\r\nOK\r\nA\rB\n+CG");
    assert_int_equal(
        sgp32_atcmd_channel_read_line(&channel, line, sizeof(line), &len, &overlong, transport_now_ms() + 1000),
        SGP32_OK);
    assert_string_equal(line, "+CSIM: 4,\"9000\"");
    assert_int_equal(len, 15);
    assert_int_equal(
        sgp32_atcmd_channel_read_line(&channel, line, sizeof(line), &len, &overlong, transport_now_ms() + 1000),
        SGP32_OK);
    assert_string_equal(line, "OK");
    assert_int_equal(
        sgp32_atcmd_channel_read_line(&channel, line, sizeof(line), &len, &overlong, transport_now_ms() + 1000),
        SGP32_OK);
    assert_string_equal(line, "A");
    assert_int_equal(
        sgp32_atcmd_channel_read_line(&channel, line, sizeof(line), &len, &overlong, transport_now_ms() + 1000),
        SGP32_OK);
    assert_string_equal(line, "B");
    /* "+CG" without its end: the deadline expires, the piece is kept. */
    start = transport_now_ms();
    assert_int_equal(
        sgp32_atcmd_channel_read_line(&channel, line, sizeof(line), &len, &overlong, transport_now_ms() + 150),
        SGP32_ERR_TIMEOUT);
    assert_true(transport_now_ms() - start >= 140 && transport_now_ms() - start < 2000);
    send_text(sv[1], "LA: 0,\"\"\r\n");
    assert_int_equal(
        sgp32_atcmd_channel_read_line(&channel, line, sizeof(line), &len, &overlong, transport_now_ms() + 1000),
        SGP32_OK);
    assert_string_equal(line, "+CGLA: 0,\"\"");

    /* An over-long line comes back truncated and flagged; the next line is intact. */
    memset(longline, 'X', sizeof(longline));
    assert_int_equal(write(sv[1], longline, sizeof(longline)), (ssize_t)sizeof(longline));
    send_text(sv[1], "\r\nOK\r\n");
    assert_int_equal(
        sgp32_atcmd_channel_read_line(&channel, line, sizeof(line), &len, &overlong, transport_now_ms() + 1000),
        SGP32_OK);
    assert_true(overlong);
    assert_int_equal(len, AT_LINE_MAX - 1);
    assert_int_equal(
        sgp32_atcmd_channel_read_line(&channel, line, sizeof(line), &len, &overlong, transport_now_ms() + 1000),
        SGP32_OK);
    assert_false(overlong);
    assert_string_equal(line, "OK");

    /* Pending input is dropped on request; the end of file is a transport error. */
    send_text(sv[1], "\r\nstale\r\n");
    usleep(20000); /* let the bytes arrive (test only; the library never sleeps) */
    assert_int_equal(sgp32_atcmd_channel_discard_input(&channel), SGP32_OK);
    send_text(sv[1], "fresh\r");
    assert_int_equal(
        sgp32_atcmd_channel_read_line(&channel, line, sizeof(line), &len, &overlong, transport_now_ms() + 1000),
        SGP32_OK);
    assert_string_equal(line, "fresh");
    close(sv[1]);
    assert_int_equal(
        sgp32_atcmd_channel_read_line(&channel, line, sizeof(line), &len, &overlong, transport_now_ms() + 1000),
        SGP32_ERR_TRANSPORT);
    close(sv[0]);
}

/* Writes have deadlines too: a peer that never reads cannot block the caller. */
static void test_write_deadline(void **state)
{
    struct at_channel channel;
    static char block[4096];
    int sv[2], i;
    enum sgp32_status st = SGP32_OK;
    uint64_t start;
    (void)state;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(sgp32_atcmd_channel_init(&channel, sv[0]), SGP32_OK);
    memset(block, 'A', sizeof(block));
    start = transport_now_ms();
    for (i = 0; i < 10000 && st == SGP32_OK; i++)
        st = sgp32_atcmd_channel_write(&channel, block, sizeof(block), transport_now_ms() + 100);
    assert_int_equal(st, SGP32_ERR_TIMEOUT);
    assert_true(transport_now_ms() - start < 5000);
    close(sv[0]);
    close(sv[1]);
}

/* The transport's own entry points over a socketpair: AUTO mode resolves to CCHO where the modem
 * knows it and to CSIM where it does not; a raw AT command collects its information lines. */
static void test_open_fd_auto_mode_and_command(void **state)
{
    struct modem_emulator *em = NULL;
    struct modem_quirks quirks;
    struct sgp32_at_options options;
    struct sgp32_at *at = NULL;
    struct sgp32_apdu_transport transport;
    char answer[128];
    int fd = -1;
    (void)state;
    memset(&quirks, 0, sizeof(quirks));
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.command_timeout_ms = 2000;

    assert_int_equal(modem_emulator_start_socketpair(test_eid, &quirks, &em, &fd), 0);
    assert_int_equal(sgp32_at_open_fd(fd, &options, &at), SGP32_OK);
    assert_int_equal(sgp32_at_active_mode(at), SGP32_AT_MODE_CCHO);
    sgp32_at_transport(at, &transport);
    assert_true(transport.ops->flags & SGP32_TRANSPORT_OWNS_CHANNELS);
    assert_int_equal(sgp32_at_command(at, "AT+CSIM=10,\"0070000001\"", answer, sizeof(answer), 0), SGP32_OK);
    assert_string_equal(answer, "+CSIM: 6,\"019000\"");
    assert_int_equal(sgp32_at_command(at, "AT+NOPE", answer, sizeof(answer), 0), SGP32_ERR_TRANSPORT);
    assert_string_equal(sgp32_at_last_error(at)->command, "AT+NOPE");
    assert_string_equal(sgp32_at_last_error(at)->final_line, "ERROR");
    assert_int_equal(sgp32_at_command(at, "AT\r", NULL, 0, 0), SGP32_ERR_INVALID_ARGUMENT);
    sgp32_at_free(at);
    modem_emulator_stop(em);

    quirks.no_ccho = 1;
    assert_int_equal(modem_emulator_start_socketpair(test_eid, &quirks, &em, &fd), 0);
    assert_int_equal(sgp32_at_open_fd(fd, &options, &at), SGP32_OK);
    assert_int_equal(sgp32_at_active_mode(at), SGP32_AT_MODE_CSIM);
    sgp32_at_transport(at, &transport);
    assert_int_equal(transport.ops->flags & SGP32_TRANSPORT_OWNS_CHANNELS, 0);
    assert_null(transport.ops->open_logical_channel);
    assert_null(transport.ops->reset);
    sgp32_at_free(at);
    modem_emulator_stop(em);
}

static void test_bad_arguments(void **state)
{
    struct sgp32_at_options options;
    struct sgp32_at *at = (struct sgp32_at *)&options;
    (void)state;
    memset(&options, 0, sizeof(options));
    assert_int_equal(sgp32_at_open_fd(-1, NULL, &at), SGP32_ERR_INVALID_ARGUMENT);
    assert_null(at);
    assert_int_equal(sgp32_at_open_fd(0, &options, &at), SGP32_ERR_INVALID_ARGUMENT); /* size 0 */
    assert_int_equal(sgp32_at_open_path(NULL, NULL, &at), SGP32_ERR_INVALID_ARGUMENT);
    assert_int_equal(sgp32_at_open_path("/nonexistent/ttyUSB9", NULL, &at), SGP32_ERR_TRANSPORT);
    options.size = sizeof(options);
    options.mode = (enum sgp32_at_mode)7;
    assert_int_equal(sgp32_at_open_path("/dev/null", &options, &at), SGP32_ERR_INVALID_ARGUMENT);
    sgp32_at_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_final_result_codes),    cmocka_unit_test(test_echo_urc_and_garbage),
        cmocka_unit_test(test_hex_answers),           cmocka_unit_test(test_session_ids),
        cmocka_unit_test(test_hex_encode_upper_case), cmocka_unit_test(test_line_reader),
        cmocka_unit_test(test_write_deadline),        cmocka_unit_test(test_open_fd_auto_mode_and_command),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
