/* Handshake messages and records of RFC 8448 (Example Handshake Traces for TLS 1.3), as hex
 * strings for unit_hex(). Messages include their 4-byte handshake header.
 * Macros rather than variables so that each test uses only what it needs. */
#ifndef NSSL_TESTS_RFC8448_H
#define NSSL_TESTS_RFC8448_H

/* ---- 3. Simple 1-RTT Handshake ---- */

#define RFC8448_CLIENT_HELLO                                                                    \
    "010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7000006130113" \
    "031302010000910000000b0009000006736572766572ff01000100000a00140012001d0017001800190100" \
    "010101020103010400230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c1" \
    "3cae4d5413691e529aaf2c002b0003020304000d0020001e0403050306030203080408050806040105010601" \
    "02010402050206020202002d00020101001c00024001"

#define RFC8448_CLIENT_RANDOM "cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7"
#define RFC8448_CLIENT_SHARE "99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c"

#define RFC8448_SERVER_HELLO                                                                    \
    "020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e" \
    "00330024001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b0002" \
    "0304"

#define RFC8448_SERVER_RANDOM "a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e26928"
#define RFC8448_SERVER_SHARE "c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f"

#define RFC8448_ENCRYPTED_EXTENSIONS                                                            \
    "080000240022000a00140012001d00170018001901000101010201030104001c0002400100000000"

#define RFC8448_CERTIFICATE                                                                     \
    "0b0001b9000001b50001b0308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e" \
    "310c300a06035504031303727361301e170d3136303733303031323335395a170d32363037333030313233" \
    "35395a300e310c300a0603550403130372736130819f300d06092a864886f70d010101050003818d003081" \
    "8902818100b4bb498f8279303d980836399b36c6988c0c68de55e1bdb826d3901a2461eafd2de49a91d015" \
    "abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e2" \
    "2a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a8d88d7" \
    "9f7f1e3f0203010001a31a301830090603551d1304023000300b0603551d0f0404030205a0300d06092a86" \
    "4886f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d2df7a59436" \
    "5417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102702e608c" \
    "cae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0c" \
    "c8f8961229ac9187b42b4de10000"

#define RFC8448_CERTIFICATE_VERIFY                                                              \
    "0f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f824cd484145ab3ff52f1fda8477b0b7abc" \
    "90db78e2d33a5c141a078653fa6bef780c5ea248eeaaa785c4f394cab6d30bbe8d4859ee511f602957b154" \
    "11ac027671459e46445c9ea58c181e818e95b8c3fb0bf3278409d3be152a3da5043e063dda65cdf5aea20d" \
    "53dfacd42f74f3"

#define RFC8448_SERVER_FINISHED                                                                 \
    "140000209b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718"

#define RFC8448_CLIENT_FINISHED                                                                 \
    "14000020a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61"

#define RFC8448_NEW_SESSION_TICKET                                                              \
    "040000c90000001efad6aac502000000b22c035d829359ee5ff7af4ec900000000262a6494dc486d2c8a34" \
    "cb33fa90bf1b0070ad3c498883c9367c09a2be785abc55cd226097a3a982117283f82a03a143efd3ff5dd3" \
    "6d64e861be7fd61d2827db279cce145077d454a3664d4e6da4d29ee03725a6a4dafcd0fc67d2aea7052951" \
    "3e3da2677fa5906c5b3f7d8f92f228bda40dda721470f9fbf297b5aea617646fac5c03272e970727c621a7" \
    "9141ef5f7de6505e5bfbc388e93343694093934ae4d3570008002a000400000400"

/* Transcript hash over ClientHello..Certificate (the CertificateVerify input). */
#define RFC8448_TH_CERTIFICATE "764d6632b3c35c3f3205e3499ac3edbaabb88295fba751461d3678e2e5ea0687"

/* Traffic keys and IVs (AES-128-GCM). */
#define RFC8448_SERVER_HS_KEY "3fce516009c21727d0f2e4e86ee403bc"
#define RFC8448_SERVER_HS_IV "5d313eb2671276ee13000b30"
#define RFC8448_CLIENT_HS_KEY "dbfaa693d1762c5b666af5d950258d01"
#define RFC8448_CLIENT_HS_IV "5bd3c71b836e0b76bb73265f"
#define RFC8448_SERVER_AP_KEY "9f02283b6c9c07efc26bb9f2ac92e356"
#define RFC8448_SERVER_AP_IV "cf782b88dd83549aadf1e984"
#define RFC8448_CLIENT_AP_KEY "17422dda596ed5d9acd890e3c63f5051"
#define RFC8448_CLIENT_AP_IV "5b78923dee08579033e523d9"

/* {server} send handshake record: EncryptedExtensions..Finished under the server handshake
 * key, sequence number 0. */
#define RFC8448_SERVER_FLIGHT_RECORD                                                            \
    "17030302a2d1ff334a56f5bff6594a07cc87b580233f500f45e489e7f33af35edf7869fcf40aa40aa2b8ea" \
    "73f848a7ca07612ef9f945cb960b4068905123ea78b111b429ba9191cd05d2a389280f526134aadc7fc78c" \
    "4b729df828b5ecf7b13bd9aefb0e57f271585b8ea9bb355c7c79020716cfb9b1183ef3ab20e37d57a6b9d7" \
    "477609aee6e122a4cf51427325250c7d0e509289444c9b3a648f1d71035d2ed65b0e3cdd0cbae8bf2d0b22" \
    "7812cbb360987255cc744110c453baa4fcd610928d809810e4b7ed1a8fd991f06aa6248204797e36a6a73b" \
    "70a2559c09ead686945ba246ab66e5edd8044b4c6de3fcf2a89441ac66272fd8fb330ef8190579b3684596" \
    "c960bd596eea520a56a8d650f563aad27409960dca63d3e688611ea5e22f4415cf9538d51a200c27034272" \
    "968a264ed6540c84838d89f72c24461aad6d26f59ecaba9acbbb317b66d902f4f292a36ac1b639c637ce34" \
    "3117b659622245317b49eeda0c6258f100d7d961ffb138647e92ea330faeea6dfa31c7a84dc3bd7e1b7a6c" \
    "7178af36879018e3f252107f243d243dc7339d5684c8b0378bf30244da8c87c843f5e56eb4c5e8280a2b48" \
    "052cf93b16499a66db7cca71e4599426f7d461e66f99882bd89fc50800becca62d6c74116dbd2972fda1fa" \
    "80f85df881edbe5a37668936b335583b599186dc5c6918a396fa48a181d6b6fa4f9d62d513afbb992f2b99" \
    "2f67f8afe67f76913fa388cb5630c8ca01e0c65d11c66a1e2ac4c85977b7c7a6999bbf10dc35ae69f55156" \
    "14636c0b9b68c19ed2e31c0b3b66763038ebba42f3b38edc0399f3a9f23faa63978c317fc9fa66a73f60f0" \
    "504de93b5b845e275592c12335ee340bbc4fddd502784016e4b3be7ef04dda49f4b440a30cb5d2af939828" \
    "fd4ae3794e44f94df5a631ede42c1719bfdabf0253fe5175be898e750edc53370d2b"

/* {client} send handshake record: client Finished under the client handshake key, seq 0. */
#define RFC8448_CLIENT_FINISHED_RECORD                                                          \
    "170303003575ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc44d87f38f80338ac98fc46" \
    "deb384bd1caeacab6867d726c40546"

/* {server} NewSessionTicket under the server application key, seq 0. */
#define RFC8448_NST_RECORD                                                                      \
    "17030300de3a6b8f90414a97d6959c3487680de5134a2b240e6cffac116e95d41d6af8f6b580dcf3d11d63" \
    "c758db289a015940252f55713e061dc13e078891a38efbcf5753ad8ef170ad3c7353d16d9da773b9ca7f2b" \
    "9fa1b6c0d4a3d03f75e09c30ba1e62972ac46f75f7b981be63439b2999ce13064615139891d5e4c5b406f1" \
    "6e3fc181a77ca475840025db2f0a77f81b5ab05b94c01346755f69232c86519d86cbeeac87aac347d143f9" \
    "605d64f650db4d023e70e952ca49fe5137121c74bc2697687e248746d6df353005f3bce18696129c815355" \
    "6b3b6c6779b37bf15985684f"

/* {client} application data (50 octets 00..31) under the client application key, seq 0. */
#define RFC8448_CLIENT_APPDATA_RECORD                                                           \
    "1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f2b9819a8a5b46b395bd54a" \
    "9a20441e2b62974e1f5a6292a2977014bd1e3deae63aeebb21694915e4"

/* {server} application data (the same 50 octets) under the server application key, seq 1. */
#define RFC8448_SERVER_APPDATA_RECORD                                                           \
    "17030300432e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36e30efaf97d90e6dffc602d" \
    "cb501a59a8fcc49c4bf2e5f0a21c0047c2abf332540dd032e167c2955d"

/* {client} alert close_notify under the client application key, seq 1. */
#define RFC8448_CLIENT_ALERT_RECORD "1703030013c9872760655666b74d7ff1153efd6db6d0b0e3"

/* {server} alert close_notify under the server application key, seq 2. */
#define RFC8448_SERVER_ALERT_RECORD "1703030013b58fd67166ebf599d24720cfbe7efa7a8864a9"

/* ---- 5. HelloRetryRequest ---- */

#define RFC8448_HRR_CLIENT_HELLO1                                                               \
    "010000b00303b0b1c5a5aa37c5919f2ed1d5c6fff7fcb7849716945a2b8cee9258a346677b6f00000613011303" \
    "1302010000810000000b0009000006736572766572ff01000100000a00080006001d0017001800330026" \
    "0024001d0020e8e8e3f3b93a25ed97a14a7dcacb8a272c6288e585c6484d05262fcad062ad1f002b000302" \
    "0304000d0020001e040305030603020308040805080604010501060102010402050206020202002d000201" \
    "01001c00024001"

#define RFC8448_HELLO_RETRY_REQUEST                                                             \
    "020000ac0303cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c001301000084" \
    "003300020017002c0074007271dcd04bb88bc3189119398a00000000eefafc76c146b823b096f8aacad365dd" \
    "0030953f4edf625636e5f21bb2e23fcc654b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d6e5078" \
    "1b5eda4aa15b0c8be778257d16aa3030e9e7841dd9e4c0342267e8ca0caf571fb2b7cff0f934b0002b0002" \
    "0304"

/* ---- 6. Client Authentication ---- */

#define RFC8448_CERTIFICATE_REQUEST                                                             \
    "0d000027000024000d0020001e040305030603020308040805080604010501060102010402050206020202"

#endif
