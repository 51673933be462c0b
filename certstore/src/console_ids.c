/* The console's built-in certificate IDs (nssl-api.md section 4): server CAs 100-105 (the
 * console's Nintendo group, mask bit 0), 1001-1033 (commercial, bit 1) and 1900-1901 (commercial
 * 4096-bit, bit 2; no public source names that bit) with the first 16 hex digits of each console
 * certificate's SHA-1, and the client IDs 1 and 3-8 (ID 2 is not known). Client IDs 7 and 8 use
 * the same files as 4 and 6 on the console, so here they name those entries. */
#include "internal.h"

#define S NSSL_CS_KIND_SERVER_CA
#define C NSSL_CS_KIND_CLIENT
#define G0 UINT32_C(0x1)
#define G1 UINT32_C(0x2)
#define G2 UINT32_C(0x4)

static const struct nssl_cs_reserved console_ids[] = {
    {1, C, "WIIU_COMMON_1", 0, "", 0, 0},
    {3, C, "WIIU_ACCOUNT_1", 0, "", 0, 0},
    {4, C, "WIIU_OLIVE_1", 0, "", 0, 0},
    {5, C, "WIIU_VINO_1", 0, "", 0, 0},
    {6, C, "WIIU_WOOD_1", 0, "", 0, 0},
    {7, C, "WIIU_OLIVE_1_ALIAS", 0, "", 4, 0},
    {8, C, "WIIU_WOOD_1_ALIAS", 0, "", 6, 0},
    {100, S, "NINTENDO_CA", G0, "b5229455dd26c1f5", 0, 0},
    {101, S, "NINTENDO_CA_G2", G0, "c60b2a5cc90f0630", 0, 0},
    {102, S, "NINTENDO_CA_G3", G0, "68a07705ccc7a408", 0, 0},
    {103, S, "NINTENDO_CLASS2_CA", G0, "aa8ef66ae0f807ed", 0, 0},
    {104, S, "NINTENDO_CLASS2_CA_G2", G0, "039de5373ac65e1a", 0, 0},
    {105, S, "NINTENDO_CLASS2_CA_G3", G0, "fab56c4cc7cff507", 0, 0},
    {1001, S, "BALTIMORE_CYBERTRUST_ROOT_CA", G1, "d4de20d05e66fc53", 0, 0},
    {1002, S, "CYBERTRUST_GLOBAL_ROOT_CA", G1, "5f43e5b1bff8788c", 0, 0},
    {1003, S, "VERIZON_GLOBAL_ROOT_CA", G1, "912198eef23dcac4", 0, 0},
    {1004, S, "GLOBALSIGN_ROOT_CA", G1, "b1bc968bd4f49d62", 0, 0},
    {1005, S, "GLOBALSIGN_ROOT_CA_R2", G1, "75e0abb613851227", 0, 0},
    {1006, S, "GLOBALSIGN_ROOT_CA_R3", G1, "d69b561148f01c77", 0, 0},
    {1007, S, "VERISIGN_CLASS3_PUBLIC_PRIMARY_CA_G3", G1, "132d0d45534b6997", 0, 0},
    {1008, S, "VERISIGN_UNIVERSAL_ROOT_CA", G1, "3679ca3566877230", 0, 0},
    {1009, S, "VERISIGN_CLASS3_PUBLIC_PRIMARY_CA_G5", G1, "4eb6d578499b1ccf", 0, 0},
    {1010, S, "THAWTE_PRIMARY_ROOT_CA_G3", G1, "f18b538d1be903b6", 0, 0},
    {1011, S, "THAWTE_PRIMARY_ROOT_CA", G1, "91c6d6ee3e8ac863", 0, 0},
    {1012, S, "GEOTRUST_GLOBAL_CA", G1, "de28f4a4ffe5b92f", 0, 0},
    {1013, S, "GEOTRUST_GLOBAL_CA2", G1, "a9e9780814375888", 0, 0},
    {1014, S, "GEOTRUST_PRIMARY_CA", G1, "323c118e1bf7b8b6", 0, 0},
    {1015, S, "GEOTRUST_PRIMARY_CA_G3", G1, "039eedb80be7a03c", 0, 0},
    {1016, S, "ADDTRUST_EXT_CA_ROOT", G1, "02faf3e291435468", 0, 0},
    {1017, S, "COMODO_CA", G1, "ee869387fffd8349", 0, 0},
    {1018, S, "UTN_DATACORP_SGC_CA", G1, "58119f0e128287ea", 0, 0},
    {1019, S, "UTN_USERFIRST_HARDWARE_CA", G1, "0483ed3399ac3608", 0, 0},
    {1020, S, "DIGICERT_HIGH_ASSURANCE_EV_ROOT_CA", G1, "5fb7ee0633e259db", 0, 0},
    {1021, S, "DIGICERT_ASSURED_ID_ROOT_CA", G1, "0563b8630d62d75a", 0, 0},
    {1022, S, "DIGICERT_GLOBAL_ROOT_CA", G1, "a8985d3a65e5e5c4", 0, 0},
    {1023, S, "GTE_CYBERTRUST_GLOBAL_ROOT", G1, "97817950d81c9670", 0, 0},
    {1024, S, "VERISIGN_CLASS3_PUBLIC_PRIMARY_CA", G1, "a1db6393916f17e4", 0, 0},
    {1025, S, "THAWTE_PREMIUM_SERVER_CA", G1, "627f8d7827656399", 0, 0},
    {1026, S, "EQUIFAX_SECURE_CA", G1, "d23209ad23d31423", 0, 0},
    {1027, S, "ENTRUST_SECURE_SERVER_CA", G1, "99a69be61afe886b", 0, 0},
    {1028, S, "VERISIGN_CLASS3_PUBLIC_PRIMARY_CA_G2", G1, "85371ca6e550143d", 0, 0},
    {1029, S, "ENTRUST_CA_2048", G1, "503006091d97d4f5", 0, 0},
    {1030, S, "ENTRUST_ROOT_CA", G1, "b31eb1b740e36c84", 0, 0},
    {1031, S, "ENTRUST_ROOT_CA_G2", G1, "8cf427fd790c3ad1", 0, 0},
    {1032, S, "DIGICERT_ASSURED_ID_ROOT_CA_G2", G1, "a14b48d943ee0a0e", 0, 0},
    {1033, S, "DIGICERT_GLOBAL_ROOT_CA_G2", G1, "df3c24f9bfd66676", 0, 0},
    {1900, S, "COMODO_RSA_CA", G2, "afe5d244a8d11942", 0, 0},
    {1901, S, "USERTRUST_RSA_CA", G2, "2b8f1b57330dbba2", 0, 0},
};

const struct nssl_cs_reserved *nssl_cs_console_ids(size_t *count)
{
    if (count != NULL) {
        *count = sizeof(console_ids) / sizeof(console_ids[0]);
    }
    return console_ids;
}
