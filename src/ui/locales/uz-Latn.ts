
    // Do not modify this file by hand!
    // Re-generate this file by running lit-localize

    
    import {str} from '@lit/localize';

    /* eslint-disable no-irregular-whitespace */
    /* eslint-disable @typescript-eslint/no-explicit-any */

    export const templates = {
      's048dee34a95785cd': `Rele sozlanmagan`,
's055df487a9914d6b': `Bu internetsiz ishlaydi. Bu yerda ochgan hech narsangiz hech qayerga yuborilmaydi.`,
's239224d15337d306': `Oflayn — shu qurilmada ishlayapti`,
's28c4afa3383baf64': `Bemorning favqulodda QR kodini o‘qing.`,
's2bbb69a46afefdeb': `Bemorlar o‘z kartasini siz bilan qabul uchun ulashadi. Siz faqat ular tanlagan qismni, ular belgilagan vaqtgacha ko‘rasiz.`,
's2f6dab1129f8dcc0': `Men shifokorman`,
's300c1dc46911ee5d': str`Bu qurilmadagi kartalar: ${0}`,
's308a8e8cf0c2752b': `Qurilma tekshirilmoqda…`,
's3a6ce34a2e8e95e5': `Oxiridan oxirigacha shifrlangan. Shifokorga faqat qabul uchun va faqat siz tanlagan qismlar ochiladi.`,
's3ecc6fa852a78fcc': `Bunga maxfiy rejim yoki to‘lib qolgan xotira sabab bo‘lishi mumkin. Oddiy oynada urinib ko‘ring.`,
's4179067c0519c6c5': `Releyga ulangan`,
's423d56129c81e85e': `Bu qurilmada hali birorta retsept tekshirilmagan.`,
's49e763aed00877a8': `Asosiy`,
's4d6d640462f76c0d': `Har bir qabul uchun qaysi shifokor uning qaysi qismini va qancha vaqt ko‘rishini o‘zingiz hal qilasiz.`,
's4e16a7d23ed1d498': `Mening kartam`,
's6485af78781db908': `Kartalaringiz`,
's6aa3eaf66180880c': `Bu qurilmada hali shifokor profili yo‘q`,
's75569d6f568988dd': `Retseptni tekshirish`,
's77a4d92f4d11bcf4': `Men bemorman`,
's791c12b0388dec22': `Rele javob bermayapti — qayta urinilmoqda`,
's859454963570e1ec': `Retseptning haqiqiyligini tekshiring.`,
's8b9553c6700ab667': `Bemorning allergiyalari, kasalliklari, dorilari va favqulodda aloqa raqamlarini ko‘rish uchun uning favqulodda QR kodini skanerlang yoki undagi havolani oching.`,
's8e32cc15b8fc279c': `Dorixona`,
's930896cedf0217e4': `Sog‘lig‘ingiz kartasi — o‘z qurilmalaringizda`,
's9bdc6a0ab9b5deda': `Bosh sahifaga o‘tish`,
's9f07d50c943526ad': `Shifokor profillari`,
'sa76251b34d05459f': `Bu qurilma xotirasini o‘qib bo‘lmadi`,
'saa8b92151ffa61c7': `Ushbu ilovadagi retseptda shifokorning imzosi va litsenziyasi bor. Uning QR kodi shu qurilmada, internetsiz tekshiriladi.`,
'sb41404111e621bb5': `Bemorlaringiz qabul uchun ulashgan ma’lumotlarni ko‘ring.`,
'sb4c60a3e1aa3eb1c': `U ilovaning ushbu versiyasi tushunadigan formatda emas. Bosma favqulodda kartani so‘rang.`,
'sb67443775ce2d662': `Favqulodda`,
'sbf9b953f074e87dc': `Kartangizni saqlang va kim ko‘rishini o‘zingiz hal qiling.`,
'sc94953893af51dc8': str`Bu qurilmadagi shifokor profillari: ${0}`,
'scdb1bac161852c73': `Xush kelibsiz`,
'scde3342a428aaee8': `Oflayn`,
'sce6576392bf0c0dc': `Bu qurilmada hali karta yo‘q`,
'sdb5f7d12cf3c4e32': `Shifokor`,
'sdda8e3eb5a9bb086': `Favqulodda havola ochilmagan`,
'se722448b7b67a1f7': `Sog‘lig‘ingiz kartasi shu yerda, o‘z qurilmalaringizda shifrlangan holda saqlanadi. Hech bir server uni o‘qiy olmaydi.`,
'seadeb3a807d7478a': `Onlayn`,
'sebeb35723e92c3f0': `Bu favqulodda havolani o‘qib bo‘lmaydi`,
'sec77d4da6a57f2b7': `Sahifa topilmadi`,
'seee04d20726fbae1': `Releyga ulanmoqda…`,
'sefcf950b3cc4fc3b': `Til`,
    };
  