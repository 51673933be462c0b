/* The console's certstore_metadata.txt parser (tools/certstore/console_meta.c, issue 15 item 4):
 * every key and alias, the access-rule lists, comments, empty lines and CRLF, and each kind of
 * malformed line rejected with a message naming the file and line. */
#include "unit.h"

#include "../../tools/certstore/console_meta.h"

#define SERVER "ID=100;TYPE=1;ENCODING=1;PROPERTIES=2;PATHS=scerts/NINTENDO_CA.der;GROUPS=1"
#define CLIENT                                                                       \
    "ID=3;TYPE=2;ENCODING=1;PROPERTIES=5;PATHS=ccerts/WIIU_ACCOUNT_1_CERT.der,"      \
    "ccerts/WIIU_ACCOUNT_1_RSA_KEY.aes;GROUPS=0;RAW_E0_SIZE=705;RAW_E1_SIZE=1193"

static char err[512];

static int parse(const char *text, struct cm_meta *m)
{
    return cm_parse(text, strlen(text), "certstore_metadata.txt", m, err, sizeof(err));
}

/* text must be refused with a message that starts with prefix (file and line) and contains
 * what. */
static void refused(const char *text, const char *prefix, const char *what)
{
    struct cm_meta m;
    int rc = parse(text, &m);
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_PTR_NULL(m.v);
    CU_ASSERT_EQUAL(m.n, 0);
    CU_ASSERT(strncmp(err, prefix, strlen(prefix)) == 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, what));
    if (rc != -1 || strncmp(err, prefix, strlen(prefix)) != 0 || strstr(err, what) == NULL) {
        fprintf(stderr, "\n  input: %s\n  message: %s\n  expected: %s ... %s\n", text, err,
                prefix, what);
    }
    if (rc == 0) {
        cm_free(&m);
    }
}

static void test_server_and_client(void)
{
    struct cm_meta m;
    const struct cm_entry *s, *c;
    CU_ASSERT_EQUAL_FATAL(parse("# a comment\n" SERVER ";RAW_E0_SIZE=484;\n\n" CLIENT "\n", &m),
                          0);
    CU_ASSERT_EQUAL_FATAL(m.n, 2);
    s = &m.v[0];
    c = &m.v[1];
    CU_ASSERT_EQUAL(s->line, 2);
    CU_ASSERT_EQUAL(s->id, 100);
    CU_ASSERT_EQUAL(s->type, CM_TYPE_SERVER_CA);
    CU_ASSERT_EQUAL(s->props, CM_PROP_EXPORTABLE);
    CU_ASSERT_EQUAL(s->groups, 1);
    CU_ASSERT_EQUAL(s->npaths, 1);
    CU_ASSERT_STRING_EQUAL(s->paths[0], "scerts/NINTENDO_CA.der");
    CU_ASSERT_STRING_EQUAL(s->name, "NINTENDO_CA");
    CU_ASSERT_EQUAL(s->raw0, 484);
    CU_ASSERT_EQUAL(s->raw1, 0);
    CU_ASSERT_EQUAL(s->has_rule, 0);
    CU_ASSERT_EQUAL(c->line, 4);
    CU_ASSERT_EQUAL(c->id, 3);
    CU_ASSERT_EQUAL(c->type, CM_TYPE_CLIENT);
    CU_ASSERT_EQUAL(c->props, CM_PROP_HAS_SECOND_PATH | CM_PROP_ENCRYPTED);
    CU_ASSERT_EQUAL(c->npaths, 2);
    CU_ASSERT_STRING_EQUAL(c->paths[1], "ccerts/WIIU_ACCOUNT_1_RSA_KEY.aes");
    CU_ASSERT_STRING_EQUAL(c->name, "WIIU_ACCOUNT_1");
    CU_ASSERT_EQUAL(c->raw0, 705);
    CU_ASSERT_EQUAL(c->raw1, 1193);
    cm_free(&m);
}

static void test_aliases_crlf_spaces(void)
{
    struct cm_meta m;
    const char *text = "#x\r\n\r\n  ID = 4 ; TYPE=2;PROPERTIES=0x5;"
                       "PATHS=ccerts/A_CERT.der , ccerts/A_RSA_KEY.aes;RAW_SIZE=10;"
                       "KEYSIZEDER=0x20\r\n\t# indented comment\r\n";
    CU_ASSERT_EQUAL_FATAL(parse(text, &m), 0);
    CU_ASSERT_EQUAL_FATAL(m.n, 1);
    CU_ASSERT_EQUAL(m.v[0].line, 3);
    CU_ASSERT_EQUAL(m.v[0].id, 4);
    CU_ASSERT_STRING_EQUAL(m.v[0].paths[0], "ccerts/A_CERT.der");
    CU_ASSERT_STRING_EQUAL(m.v[0].paths[1], "ccerts/A_RSA_KEY.aes");
    CU_ASSERT_EQUAL(m.v[0].raw0, 10);
    CU_ASSERT_EQUAL(m.v[0].raw1, 32);
    CU_ASSERT_STRING_EQUAL(m.v[0].name, "A");
    cm_free(&m);
    /* An empty file, or one of comments only: no entries, no error. */
    CU_ASSERT_EQUAL(parse("", &m), 0);
    CU_ASSERT_EQUAL(m.n, 0);
    cm_free(&m);
    CU_ASSERT_EQUAL(parse("# only\n#\n", &m), 0);
    CU_ASSERT_EQUAL(m.n, 0);
    cm_free(&m);
}

static void test_access_rule(void)
{
    struct cm_meta m;
    const struct nssl_cs_access *r;
    CU_ASSERT_EQUAL_FATAL(parse(SERVER ";CAPABILITY_MASK=0x20000;TID=0005000010101A00,"
                                "0x0005000010101b00;PID=-2,7,-3,-4,-1,-1", &m), 0);
    CU_ASSERT_EQUAL_FATAL(m.n, 1);
    r = &m.v[0].rule;
    CU_ASSERT_EQUAL(m.v[0].has_rule, 1);
    CU_ASSERT_EQUAL(r->capability_mask, 0x20000);
    CU_ASSERT_EQUAL_FATAL(r->ntids, 2);
    CU_ASSERT_EQUAL(r->tids[0], UINT64_C(0x0005000010101A00));
    CU_ASSERT_EQUAL(r->tids[1], UINT64_C(0x0005000010101B00));
    /* -1 ends the list and is not kept. */
    CU_ASSERT_EQUAL_FATAL(r->npids, 4);
    CU_ASSERT_EQUAL(r->pids[0], -2);
    CU_ASSERT_EQUAL(r->pids[1], 7);
    CU_ASSERT_EQUAL(r->pids[2], -3);
    CU_ASSERT_EQUAL(r->pids[3], -4);
    cm_free(&m);
    /* Each form alone makes a rule; empty lists are a rule that lists nothing. */
    CU_ASSERT_EQUAL_FATAL(parse(SERVER ";PID=-1", &m), 0);
    CU_ASSERT_EQUAL(m.v[0].has_rule, 1);
    CU_ASSERT_EQUAL(m.v[0].rule.npids, 0);
    cm_free(&m);
    CU_ASSERT_EQUAL_FATAL(parse(SERVER ";TID=", &m), 0);
    CU_ASSERT_EQUAL(m.v[0].has_rule, 1);
    CU_ASSERT_EQUAL(m.v[0].rule.ntids, 0);
    cm_free(&m);
    CU_ASSERT_EQUAL_FATAL(parse(SERVER ";CAPABILITY_MASK=18446744073709551615", &m), 0);
    CU_ASSERT_EQUAL(m.v[0].rule.capability_mask, UINT64_MAX);
    cm_free(&m);
}

#define L1 "certstore_metadata.txt:1: "
#define L2 "certstore_metadata.txt:2: "

/* A refused input: the message starts with prefix and contains what. */
struct bad {
    const char *text, *prefix, *what;
};

static void refused_all(const struct bad *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        refused(v[i].text, v[i].prefix, v[i].what);
    }
}
#define REFUSED_ALL(v) refused_all((v), sizeof(v) / sizeof((v)[0]))

static const struct bad malformed_keys_cases[] = {
    {SERVER ";FOO=1", L1, "unknown key 'FOO'"},
    {SERVER ";id=1", L1, "unknown key 'id'"},
    {SERVER ";GROUPS", L1, "'GROUPS' is not KEY=VALUE"},
    {SERVER ";GROUPS=2", L1, "GROUPS given twice"},
    {CLIENT ";RAW_SIZE=1", L1, "given twice"},
    {CLIENT ";KEYSIZEDER=1", L1, "given twice"},
    {"TYPE=1;PATHS=scerts/A.der", L1, "no ID"},
    {"ID=5;PATHS=scerts/A.der", L1, "ID 5: no TYPE"},
    {"ID=5;TYPE=1", L1, "ID 5: no PATHS"},
    {"# c\n" SERVER "\n" SERVER "\n", "certstore_metadata.txt:3: ",
     "ID 100 already on line 2"},
};

static const struct bad malformed_numbers_cases[] = {
    {"ID=x;TYPE=1;PATHS=a/b.der", L1, "ID: 'x' is not a number"},
    {"ID=;TYPE=1;PATHS=a/b.der", L1, "ID: '' is not a number"},
    {"ID=0;TYPE=1;PATHS=a/b.der", L1, "ID: 0 is out of range"},
    {"ID=2147483648;TYPE=1;PATHS=a/b.der", L1, "out of range"},
    {"ID=-3;TYPE=1;PATHS=a/b.der", L1, "ID: '-3' is not a number"},
    {"ID=0x;TYPE=1;PATHS=a/b.der", L1, "not a number"},
    {"ID=1;TYPE=3;PATHS=a/b.der", L1, "TYPE: 3 is not 1 (server CA) or 2 (client)"},
    {"ID=1;TYPE=0;PATHS=a/b.der", L1, "TYPE: 0 is not 1"},
    {SERVER ";ENCODING=2", L1, "given twice"},
    {"ID=1;TYPE=1;ENCODING=0;PATHS=a/b.der", L1, "ENCODING: 0 is not 1"},
    {"ID=1;TYPE=1;PROPERTIES=8;PATHS=a/b.der", L1, "PROPERTIES: 8 has unknown bits"},
    {"ID=1;TYPE=1;GROUPS=4294967296;PATHS=a/b.der", L1, "GROUPS: 4294967296 is out"},
    {SERVER ";CAPABILITY_MASK=18446744073709551616", L1, "CAPABILITY_MASK: "},
    {SERVER ";RAW_E0_SIZE=0", L1, "RAW_E0_SIZE: 0 is out of range"},
    {SERVER ";RAW_E0_SIZE=1048577", L1, "out of range"},
    {SERVER ";PID=-x", L1, "PID: '-x' is not a number"},
    {SERVER ";PID=1,,2", L1, "PID: '' is not a number"},
    {SERVER ";PID=-5", L1, "PID: -5 is not a process ID"},
    {SERVER ";PID=-0", L1, "PID: -0 is not a process ID"},
    {SERVER ";PID=-1,4", L1, "PID: 4 after -1"},
    {SERVER ";PID=2147483648", L1, "PID: 2147483648 is not a process ID"},
    {SERVER ";TID=12345678901234567", L1, "TID: '12345678901234567' is not a title ID"},
    {SERVER ";TID=000500001010G000", L1, "is not a title ID"},
    {SERVER ";TID=1,", L1, "TID: '' is not a title ID"},
    {SERVER ";PID=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,"
     "27,28,29,30,31,32,33", L1, "PID: more than 32 values"},
};

static const struct bad malformed_paths_cases[] = {
    {"ID=1;TYPE=1;PATHS=", L1, "PATHS: one path"},
    {"ID=1;TYPE=1;PATHS=/etc/passwd", L1, "PATHS: '/etc/passwd' is not a relative path"},
    {"ID=1;TYPE=1;PATHS=scerts/../../x.der", L1, "is not a relative path"},
    {"ID=1;TYPE=1;PATHS=scerts//x.der", L1, "is not a relative path"},
    {"ID=1;TYPE=1;PATHS=./x.der", L1, "is not a relative path"},
    {"ID=1;TYPE=1;PATHS=a b.der", L1, "is not a relative path"},
    {"ID=1;TYPE=1;PATHS=a\\b.der", L1, "is not a relative path"},
    {"ID=1;TYPE=1;PATHS=a,b,c", L1, "PATHS: one path, or two"},
    {"ID=1;TYPE=1;PROPERTIES=0;PATHS=a.der,b.aes",
     L1, "ID 1: PATHS has 2 paths, PROPERTIES says 1"},
    {"ID=1;TYPE=1;PROPERTIES=1;PATHS=a.der;RAW_E1_SIZE=5",
     L1, "TYPE 1 (server CA) has no key file"},
    {"ID=1;TYPE=2;PROPERTIES=0;PATHS=a.der", L1, "TYPE 2 (client) needs HasSecondPath"},
    {"ID=1;TYPE=2;PROPERTIES=1;PATHS=a.der;RAW_E1_SIZE=5",
     L1, "PATHS has 1 path, PROPERTIES says 2"},
    {"ID=1;TYPE=1;PROPERTIES=4;PATHS=a.der;RAW_E0_SIZE=5",
     L1, "Encrypted (PROPERTIES 0x4) without HasSecondPath"},
    {"ID=1;TYPE=2;PROPERTIES=5;PATHS=a.der,b.aes;RAW_E1_SIZE=5",
     L1, "RAW_E0_SIZE (or RAW_SIZE) is required when Encrypted"},
    {"ID=1;TYPE=2;PROPERTIES=5;PATHS=a.der,b.aes;RAW_E0_SIZE=5",
     L1, "RAW_E1_SIZE (or KEYSIZEDER) is required with HasSecondPath"},
};

static void test_malformed_keys(void)
{
    REFUSED_ALL(malformed_keys_cases);
}

static void test_malformed_numbers(void)
{
    REFUSED_ALL(malformed_numbers_cases);
}

static void test_malformed_paths(void)
{
    REFUSED_ALL(malformed_paths_cases);
}

static void test_malformed_lines(void)
{
    char *big = malloc(CM_MAX_LINE + 64);
    char *many;
    size_t n = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    memset(big, 'x', CM_MAX_LINE + 1);
    memcpy(big, "# ", 2);
    big[CM_MAX_LINE + 1] = '\0';
    refused(big, L1, "line too long");
    /* Exactly CM_MAX_LINE characters is fine, and a CR of a CRLF does not count. */
    big[CM_MAX_LINE] = '\r';
    {
        struct cm_meta m;
        CU_ASSERT_EQUAL(parse(big, &m), 0);
        cm_free(&m);
    }
    free(big);
    {
        static const char nul[] = "# x\nID=1\0;TYPE=1\n";
        struct cm_meta m;
        CU_ASSERT_EQUAL(cm_parse(nul, sizeof(nul) - 1, "f", &m, err, sizeof(err)), -1);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "f:2: control character 0x00"));
    }
    refused(SERVER "\r;GROUPS=1", L1, "control character 0x0d");
    refused("# ok\n" SERVER "\x1b", L2, "control character 0x1b");
    /* At most CM_MAX_ENTRIES entries. */
    many = malloc((size_t)(CM_MAX_ENTRIES + 1) * 40);
    CU_ASSERT_PTR_NOT_NULL_FATAL(many);
    for (int i = 1; i <= CM_MAX_ENTRIES + 1; i++) {
        n += (size_t)sprintf(many + n, "ID=%d;TYPE=1;PATHS=s/a.der\n", i);
    }
    refused(many, "certstore_metadata.txt:1001: ", "more than 1000 entries");
    free(many);
}

static void test_names(void)
{
    struct cm_meta m;
    CU_ASSERT_EQUAL_FATAL(parse("ID=1;TYPE=1;PATHS=x/plain\nID=2;TYPE=1;PATHS=x/ROOT.crt\n"
                                "ID=3;TYPE=2;PROPERTIES=1;PATHS=odd.der,k;RAW_E1_SIZE=9", &m),
                          0);
    CU_ASSERT_STRING_EQUAL(m.v[0].name, "plain");
    CU_ASSERT_STRING_EQUAL(m.v[1].name, "ROOT");
    CU_ASSERT_STRING_EQUAL(m.v[2].name, "odd");
    cm_free(&m);
}

int main(void)
{
    CU_TestInfo tests[] = {
        {"server and client entries", test_server_and_client},
        {"aliases, CRLF, spaces, comments", test_aliases_crlf_spaces},
        {"access rule lists", test_access_rule},
        {"malformed keys", test_malformed_keys},
        {"malformed numbers and lists", test_malformed_numbers},
        {"malformed paths and key rules", test_malformed_paths},
        {"malformed lines", test_malformed_lines},
        {"names from file names", test_names},
        CU_TEST_INFO_NULL,
    };
    return unit_run("console_meta", tests, NULL, NULL);
}
