from scheduler.domain.spelling import persian_spelling


def test_arabic_yeh_and_kaf_take_their_persian_form() -> None:
    assert persian_spelling("\u0639\u0644\u064a \u0643\u0631\u064a\u0645\u0649") == "علی کریمی"
    assert persian_spelling("Ali Karimi") == "Ali Karimi"


def test_folded_names_match_whatever_the_accents_case_and_letter_forms() -> None:
    from scheduler.domain.spelling import folded

    assert folded("  Hosséini\tSARA ") == "hosseini sara"
    assert folded("علي") == folded("علی")
    assert folded("مُحمّد") == "محمد"
    assert folded("می\u200cخواهم") == "میخواهم"
