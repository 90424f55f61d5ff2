"""Name lists for the name-matching gallery (``bench/names_gallery.py``).

Each line is ``Persian spelling|Latin spellings``, the most common Latin
spelling first, the others as they appear in English-language sources. The
Persian spellings keep the zero-width non-joiner (U+200C) that compounds such
as عباس‌زاده need.

Gallery persons are drawn from ``GIVEN`` and ``SURNAMES``; the ``ABSENT_*``
lists are held out and only ever appear in queries for names that are not in
the gallery. No list holds the distinctive surname of an official of the 1988
killings or of a prominent official of the Islamic Republic, and
``EXCLUDED_FULL_NAMES`` keeps the generator from pairing common names into a
real official's name (these are exclusions, never gallery persons).

This module is data, written by hand and independent of dossier's own name
lexicon in ``dossier/names.py``: the two overlap where both list common
names, and the gallery deliberately holds surnames that the lexicon lacks
(``OUT_OF_LEXICON`` in the report) so the romanisation fallback is measured too.
"""

from __future__ import annotations

GIVEN_LINES = """
حسین|Hossein,Hosein,Husain,Hussein,Hosseyn
حسن|Hassan,Hasan
محمد|Mohammad,Mohamad,Muhammad,Mohammed
علی|Ali
رضا|Reza
محمود|Mahmoud,Mahmud,Mahmood
احمد|Ahmad,Ahmed
عباس|Abbas,Abas
مهدی|Mehdi,Mahdi,Mehdy
مرتضی|Morteza,Mortaza,Murtaza
مصطفی|Mostafa,Mustafa,Moustafa
ابراهیم|Ebrahim,Ibrahim,Ebraheem
اسماعیل|Esmaeil,Esmail,Ismail,Esmaeel
غلامرضا|Gholamreza,Gholam-Reza,Qolamreza,Gholam Reza
غلامحسین|Gholamhossein,Gholam-Hossein,Qolamhosein
عبدالله|Abdollah,Abdullah,Abdolah
حمید|Hamid,Hameed
حامد|Hamed
جواد|Javad,Jawad
مجید|Majid,Majeed,Madjid
سعید|Saeed,Said,Saeid,Saied
کاظم|Kazem,Kazim,Kadhem
جعفر|Jafar,Jaafar,Djafar,Ja'far
ناصر|Naser,Nasser,Nasir
اکبر|Akbar,Akber
اصغر|Asghar,Asgar,Asqar
مجتبی|Mojtaba,Mujtaba
محسن|Mohsen,Mohsin,Muhsin
کریم|Karim,Kareem
یوسف|Yousef,Yusuf,Yousof,Yosef
داوود|Davoud,Davood,Dawood,Davud
رحیم|Rahim,Raheem
قاسم|Ghasem,Qasem,Qassem,Ghassem
هادی|Hadi,Hady
مسعود|Masoud,Masood,Massoud,Masud
فرهاد|Farhad
بهرام|Bahram
تقی|Taghi,Taqi
صادق|Sadegh,Sadeq,Sadiq
علیرضا|Alireza,Ali-Reza,Ali Reza
محمدرضا|Mohammadreza,Mohammad-Reza,Mohamadreza,Mohammad Reza
محمدعلی|Mohammadali,Mohammad-Ali,Mohammad Ali
رسول|Rasoul,Rasool,Rasul
نقی|Naghi,Naqi
بیژن|Bijan,Bizhan,Bijhan
بهمن|Bahman
جمشید|Jamshid,Jamsheed
منوچهر|Manouchehr,Manuchehr,Manoochehr
پرویز|Parviz,Parwiz
سیاوش|Siavash,Siyavash
داریوش|Dariush,Daryoush,Dariyoush,Daryush
کامبیز|Kambiz
هرمز|Hormoz,Hormuz
فریدون|Fereydoun,Fereidoun,Fereydun
خسرو|Khosrow,Khosro,Khosrov
کوروش|Kourosh,Kurosh,Koroush
بابک|Babak
امیر|Amir
امیرحسین|Amirhossein,Amir-Hossein,Amir Hossein
ایرج|Iraj
نادر|Nader,Nadir
یدالله|Yadollah,Yadolah,Yadullah
روح‌الله|Rouhollah,Ruhollah,Rohollah
نعمت‌الله|Nematollah,Nematolah,Ne'matollah
فتح‌الله|Fathollah,Fatollah,Fatholah
عزت‌الله|Ezzatollah,Ezatollah
حبیب‌الله|Habibollah,Habibolah
علی‌اکبر|Aliakbar,Ali-Akbar,Ali Akbar
علی‌اصغر|Aliasghar,Ali-Asghar,Ali Asghar
ابوالفضل|Abolfazl,Abolfazel,Abulfazl
ابوالقاسم|Abolghasem,Abolqasem,Abulqasem
عبدالرضا|Abdolreza,Abdoreza,Abdulreza
عبدالحسین|Abdolhossein,Abdolhosein,Abdulhussein
شهرام|Shahram
شاهرخ|Shahrokh
کیومرث|Kiumars,Kioumars,Kiomars
سهراب|Sohrab
رستم|Rostam,Rustam
مهرداد|Mehrdad
فرامرز|Faramarz
اردشیر|Ardeshir,Ardashir
هوشنگ|Houshang,Hushang,Hooshang
منصور|Mansour,Mansur,Mansoor
ولی|Vali,Wali
ولی‌الله|Valiollah,Valiolah
صمد|Samad
یحیی|Yahya
موسی|Mousa,Musa,Moosa
عیسی|Isa,Eisa,Issa
امید|Omid
وحید|Vahid,Wahid
مهران|Mehran
کامران|Kamran
پیمان|Peyman,Payman
رامین|Ramin
جمال|Jamal
فاطمه|Fatemeh,Fateme,Fatima
زهرا|Zahra
مریم|Maryam,Mariam
معصومه|Masoumeh,Masumeh,Massoumeh
اعظم|Azam,A'zam
طاهره|Tahereh,Tahere
منیژه|Manijeh,Manizheh
ژاله|Jaleh,Zhaleh
اشرف|Ashraf
"""

SURNAME_LINES = """
محمدی|Mohammadi,Mohamadi,Muhammadi,Mohammady
احمدی|Ahmadi,Ahmady,Ahmedi
حسینی|Hosseini,Hoseini,Husseini,Hosseiny
رضایی|Rezaei,Rezaee,Rezai,Rezayi
کریمی|Karimi,Kareemi,Karimy
جعفری|Jafari,Jaafari,Jafary
رحیمی|Rahimi,Raheemi
هاشمی|Hashemi,Hashimi
صادقی|Sadeghi,Sadeqi
قاسمی|Ghasemi,Qasemi,Ghassemi
حیدری|Heidari,Heydari,Haidari
باقری|Bagheri,Baqeri,Bageri
مرادی|Moradi,Muradi
ابراهیمی|Ebrahimi,Ibrahimi
اکبری|Akbari,Akbary
نظری|Nazari,Nazary
صفری|Safari,Safary
نجفی|Najafi,Nadjafi
قربانی|Ghorbani,Qorbani,Ghorbany
سلطانی|Soltani,Sultani
رستمی|Rostami,Rustami
صالحی|Salehi,Salihi
زمانی|Zamani
فراهانی|Farahani
شیرازی|Shirazi
اصفهانی|Esfahani,Isfahani
عباس‌زاده|Abbaszadeh,Abbas-Zadeh,Abaszadeh,Abbaszade
حسین‌زاده|Hosseinzadeh,Hoseinzadeh,Hossein-Zadeh,Husseinzadeh
علی‌زاده|Alizadeh,Ali-Zadeh,Alizade
حسن‌پور|Hassanpour,Hasanpour,Hassanpur,Hassan-Pour
ملک‌زاده|Malekzadeh,Malek-Zadeh,Malekzade
غلامی|Gholami,Qolami
شهبازی|Shahbazi
یزدانی|Yazdani
کرمانی|Kermani,Kirmani
شریفی|Sharifi,Shareefi
امینی|Amini,Ameeni
جلالی|Jalali,Djalali
کمالی|Kamali
اسدی|Asadi,Assadi
ترابی|Torabi,Turabi
میرزایی|Mirzaei,Mirzaee,Mirzai
بهرامی|Bahrami,Behrami
طاهری|Taheri,Tahiri
زارعی|Zarei,Zare'i,Zareie
انصاری|Ansari
عسگری|Asgari,Askari,Asgary
طباطبایی|Tabatabaei,Tabatabai,Tabatabaee
سبحانی|Sobhani
رحمانی|Rahmani
عزیزی|Azizi
نوروزی|Nowruzi,Norouzi,Nowrouzi
فتحی|Fathi
یوسفی|Yousefi,Yusefi,Yousofi
داوودی|Davoudi,Davoodi,Davudi
کاظمی|Kazemi,Kazimi
رشیدی|Rashidi
خلیلی|Khalili
جمالی|Jamali
نصیری|Nasiri
فرجی|Faraji
منصوری|Mansouri,Mansuri
مختاری|Mokhtari,Mukhtari
توکلی|Tavakoli,Tavakkoli
پاکزاد|Pakzad
خسروی|Khosravi
زنگنه|Zanganeh,Zangeneh
قنبری|Ghanbari,Qanbari
ملکی|Maleki
شجاعی|Shojaei,Shojaee,Shojai
عطایی|Ataei,Atai
دهقانی|Dehghani,Dehqani
کشاورز|Keshavarz
بیات|Bayat
امیری|Amiri
فروتن|Foroutan,Forootan
حقیقت‌پور|Haghighatpour,Haqiqatpour,Haghighat-Pour
نوربخش|Nourbakhsh,Noorbakhsh,Nurbakhsh
شکوهی|Shokouhi,Shokoohi,Shokuhi
ورزنده|Varzandeh,Varzande
غفارزاده|Ghaffarzadeh,Ghafarzadeh,Qaffarzadeh
طالب‌زاده|Talebzadeh,Taleb-Zadeh,Talebzade
اسماعیل‌زاده|Esmaeilzadeh,Esmailzadeh,Ismailzadeh
قاسم‌زاده|Ghasemzadeh,Qasemzadeh
رحیم‌زاده|Rahimzadeh,Rahim-Zadeh
تقی‌زاده|Taghizadeh,Taqizadeh
نقی‌زاده|Naghizadeh,Naqizadeh
آقایی|Aghaei,Aghaee,Aghai
میرحسینی|Mirhosseini,Mir-Hosseini,Mirhoseini
صدری|Sadri
جهانگیری|Jahangiri
علوی|Alavi
افشار|Afshar
افشاری|Afshari
بختیاری|Bakhtiari,Bakhtiyari
تبریزی|Tabrizi
مشهدی|Mashhadi
قزوینی|Ghazvini,Qazvini
زنجانی|Zanjani
همدانی|Hamedani,Hamadani
کاشانی|Kashani
رشتی|Rashti
سمنانی|Semnani
خراسانی|Khorasani
عراقی|Araghi,Eraghi
نائینی|Naeini,Naini
شاملو|Shamlou,Shamloo,Shamlu
بیگلو|Biglou,Beiglou,Biglu
قراگوزلو|Gharagozlou,Qaragozlu,Gharagozloo
جلیلوند|Jalilvand
علیوند|Alivand
خداوردی|Khodaverdi
خدابنده|Khodabandeh,Khodabande
ابراهیمیان|Ebrahimian
احمدیان|Ahmadian
رضاییان|Rezaeian,Rezaian
کریمیان|Karimian
عباسیان|Abbasian
قاسمیان|Ghasemian,Qasemian
مرادیان|Moradian
جعفریان|Jafarian
محمدی‌نژاد|Mohammadinejad,Mohammadi-Nejad,Mohammadinezhad
علی‌نژاد|Alinejad,Ali-Nejad
کریمی‌نژاد|Kariminejad
حسینی‌نژاد|Hosseininejad
مرادی‌نیا|Moradinia
کریمی‌نیا|Kariminia
باقری‌نیا|Bagherinia
صالحی‌فر|Salehifar
نیک‌فر|Nikfar
نیک‌راد|Nikrad
علی‌پور|Alipour,Alipur,Ali-Pour
رحیم‌پور|Rahimpour
قاسم‌پور|Ghasempour,Qasempour
کاظم‌پور|Kazempour
عباس‌پور|Abbaspour
جعفرپور|Jafarpour
ولی‌پور|Valipour
نادرپور|Naderpour
بهرام‌پور|Bahrampour
نیک‌منش|Nikmanesh
ایران‌دوست|Irandoust,Irandoost
وطن‌دوست|Vatandoust
یزدان‌پناه|Yazdanpanah
خداپناه|Khodapanah
حسن‌آبادی|Hassanabadi,Hasanabadi
علی‌آبادی|Aliabadi
علیخانی|Alikhani
علی‌بیگی|Alibeigi,Alibeygi
صبوری|Sabouri
فرهمند|Farahmand
فرخی|Farrokhi,Farokhi
مظاهری|Mazaheri
مظفری|Mozaffari,Mozafari
پورعلی|Pourali,Pour-Ali
پورحسینی|Pourhosseini
پوراحمد|Pourahmad
نیک‌پور|Nikpour
شفیعی|Shafiei,Shafiee
شریعتی|Shariati
طالبی|Talebi
مهاجری|Mohajeri
قدیری|Ghadiri,Qadiri
کاووسی|Kavousi,Kavoosi
صدیقی|Sedighi,Seddighi
رنجبر|Ranjbar
آهنگری|Ahangari
زرگر|Zargar
کامرانی|Kamrani
فرزانه|Farzaneh
موحد|Movahed
لطفی|Lotfi
حکیمی|Hakimi
سلیمی|Salimi
نعمتی|Nemati
عباسی|Abbasi
پاکدامن|Pakdaman
ملکوتی|Malakouti
عرب|Arab
کیانی|Kiani
کیان‌پور|Kianpour
درویشی|Darvishi
قاضی|Ghazi
خلج|Khalaj
دلاوری|Delavari
گودرزی|Goudarzi,Godarzi
گلزار|Golzar
گل‌محمدی|Golmohammadi
زرین‌کوب|Zarrinkoob,Zarrinkub
میرزاده|Mirzadeh
شیخی|Sheikhi
سیدی|Seyyedi,Seyedi
حاجیان|Hajian
ملایی|Mollaei,Mollai
شیخ‌الاسلامی|Sheikholeslami,Sheikholislami
آذرنوش|Azarnoush,Azarnoosh
بهروان|Behravan
فرهنگی|Farhangi
سروری|Sarvari
کوشا|Kousha,Koosha
دانشور|Daneshvar
آشتیانی|Ashtiani
پیرزاده|Pirzadeh,Pirzade
وکیلی|Vakili
چراغی|Cheraghi,Charaghi
نیکوکار|Nikoukar,Nikookar
سپهرنیا|Sepehrnia
شهرابی|Shahrabi
گرجی|Gorji
"""

# Held out: these never name a gallery person, only absent-name queries. Many
# are one letter away from a gallery surname (Rahmati / Rahmani, Karami /
# Karimi, Amani / Amini), which is what makes a false hit likely.
ABSENT_SURNAME_LINES = """
عابدینی|Abedini,Abediny
رحمتی|Rahmati
روشن|Roshan
پارسا|Parsa
تهرانی|Tehrani
نیکبخت|Nikbakht
فرزامی|Farzami
صابری|Saberi
سرمدی|Sarmadi
شمس|Shams
رهنما|Rahnama
کاظمیان|Kazemian
کریم‌پور|Karimpour
احمدوند|Ahmadvand
محمدپور|Mohammadpour
حسن‌زاده|Hassanzadeh,Hasanzadeh
رضازاده|Rezazadeh
امیرزاده|Amirzadeh
جمشیدی|Jamshidi
سالاری|Salari
اکبرزاده|Akbarzadeh
یگانه|Yeganeh
زرندی|Zarandi
مقدم|Moghaddam,Moqadam
مقدسی|Moghaddasi
پناهی|Panahi
رسولی|Rasouli,Rasuli
نقوی|Naghavi
قریشی|Ghoreishi
شاکری|Shakeri
ذاکری|Zakeri
ناصری|Naseri
حمیدی|Hamidi
مجیدی|Majidi
سعیدی|Saeedi,Saidi
جوادی|Javadi
مهدوی|Mahdavi
فاضلی|Fazeli
عادلی|Adeli
نادری|Naderi
عبدی|Abdi
حبیبی|Habibi
اسلامی|Eslami
ایزدی|Izadi
سپهری|Sepehri
کوهی|Kouhi
بابایی|Babaei,Babaee
دلیری|Daliri
فرهادی|Farhadi
بهمنی|Bahmani
کامیابی|Kamyabi
صفایی|Safaei
مهرابی|Mehrabi
عزیزپور|Azizpour
عرفانی|Erfani
محبی|Mohebbi
حیدریان|Heidarian
کرمی|Karami
امانی|Amani
رحمانیان|Rahmanian
"""

ABSENT_GIVEN_LINES = """
نیما|Nima
آرش|Arash
سامان|Saman
بردیا|Bardia
کیوان|Keyvan,Kayvan
پوریا|Pouria,Pooria
بهزاد|Behzad
فرزاد|Farzad
شهاب|Shahab
میلاد|Milad
آرمان|Arman
اشکان|Ashkan
مازیار|Maziar
یاشار|Yashar
تورج|Touraj
هومن|Houman
شاپور|Shapour
ساسان|Sasan
رامتین|Ramtin
کیارش|Kiarash
سروش|Soroush
بهنام|Behnam
شهریار|Shahriar
فرشید|Farshid
جهانگیر|Jahangir
"""

# Not Iranian, or not names at all: a search must find nobody.
FOREIGN_AND_NONSENSE = [
    "John Smith", "Maria Garcia", "Zhang Wei", "Olga Petrova", "Pierre Dubois", "Hans Müller",
    "Giovanni Rossi", "Kenji Tanaka", "Lars Nielsen", "Anna Kowalska", "James O'Brien",
    "Sophie Martin", "David Cohen", "Ivan Horvat", "Carlos Silva", "Ngozi Okafor", "Priya Sharma",
    "Tom Becker", "Elena Popescu", "Ahmet Yilmaz", "Evin prison", "death commission", "Tehran",
    "Supreme Court", "xyzzy", "qwerty uiop", "lorem ipsum", "تهران", "زندان اوین", "کمیسیون مرگ",
    "دادستانی انقلاب", "1988", "۱۳۶۷",
]  # fmt: skip

HONORIFICS: list[tuple[str, str]] = [
    ("Seyyed", "سید"),
    ("Haj", "حاج"),
    ("Sheikh", "شیخ"),
    ("Dr.", "دکتر"),
    ("Hojatoleslam", "حجت‌الاسلام"),
    ("Mullah", "ملا"),
]

# Prominent officials whose names could arise from pairing two common names.
# Exclusions only: the generator skips these pairs, so no gallery person bears them.
EXCLUDED_FULL_NAMES = {
    ("محمد", "باقری"), ("حسین", "دهقانی"), ("محمود", "علوی"), ("علی", "اکبری"),
    ("حسن", "روحانی"), ("محمدعلی", "جعفری"), ("قاسم", "سلیمانی"), ("احمد", "وحیدی"),
    ("علی‌اکبر", "صالحی"), ("محسن", "رضایی"), ("مصطفی", "محمدی"), ("محمد", "حسینی"),
    ("علی", "شمخانی"), ("اسماعیل", "خطیب"), ("غلامحسین", "اسماعیلی"), ("محمدرضا", "نقدی"),
}  # fmt: skip


def parse(lines: str) -> list[tuple[str, tuple[str, ...]]]:
    out = []
    for line in lines.strip().splitlines():
        persian, latin = line.split("|")
        out.append((persian, tuple(latin.split(","))))
    return out


GIVEN = parse(GIVEN_LINES)
SURNAMES = parse(SURNAME_LINES)
ABSENT_SURNAMES = parse(ABSENT_SURNAME_LINES)
ABSENT_GIVEN = parse(ABSENT_GIVEN_LINES)
