"""The splitter on small replies built in code: paragraph layout quirks, several blocks, narrative."""

from __future__ import annotations

import pytest

from ingest.labels import match_heading, match_label
from ingest.model import Block, ExtractedDocument, Format, SectionKind
from ingest.sections import split_sections


def _doc(*blocks: Block, fmt: Format = Format.DOCX) -> ExtractedDocument:
    return ExtractedDocument(path="x", format=fmt, blocks=blocks)


def P(text: str) -> Block:  # noqa: N802
    return Block(kind="paragraph", text=text)


def H(text: str) -> Block:  # noqa: N802
    return Block(kind="heading", text=text, level=1)


def test_paragraph_layout_with_numbering_missing_colons_and_broken_label():
    doc = _doc(
        P("Tengo el honor de dirigirme a usted en nombre de la República de Costa Rica."),
        P("II. Información sobre Programas de Seguridad Pública"),
        P("Estado Miembro: Costa Rica"),
        P("Nombre del programa: Barrio en Paz"),
        P("Población objetivo"),
        P("Jóvenes de 12 a 24 años."),
        P("Amenazas actuales o emergentes en las que\nse centra el plan: pandillas"),
        P("Líneas de acción: deporte y cultura."),
        P("Segundo párrafo de las líneas de acción."),
        P("Nombre del programa: Escuelas Seguras"),
        P("Objetivo: reducir la violencia escolar."),
    )
    result = split_sections(doc)
    assert [(s.kind, s.title) for s in result.sections] == [
        (SectionKind.PROGRAM, "Barrio en Paz"), (SectionKind.PROGRAM, "Escuelas Seguras")]
    first = result.sections[0]
    assert first.member_state_text == "Costa Rica"
    assert first.fields["target_population"] == "Jóvenes de 12 a 24 años."
    assert first.fields["threats"] == "pandillas"
    assert first.fields["lines_of_action"] == "deporte y cultura.\n\nSegundo párrafo de las líneas de acción."
    assert "República de Costa Rica" in result.cover_text


def test_table_layout_with_institution_sub_labels_and_continuation_row():
    table = Block(kind="table", rows=(
        ("c. Information on Lessons Learned",),
        ("Member State:", "Jamaica"),
        ("Responsible Institution:", "Name of the institution: Ministry of National Security\n"
                                     "Person in charge: Mr. John Brown\n(Job Title): Director\n"
                                     "Phone/Fax: 876-555-0100\nE-mail: jbrown@mns.gov.jm"),
        ("Name of the Lesson Learned:", "Data before action"),
        ("Corresponding MISPA pillar:", "Pillar III"),
        ("Problem/achivement:", "Records were kept on paper."),
        ("", "Nobody could count them."),
    ))
    (section,) = split_sections(_doc(table)).sections
    assert section.kind == SectionKind.LESSON and section.title == "Data before action"
    assert (section.institution, section.contact_person, section.job_title) == (
        "Ministry of National Security", "Mr. John Brown", "Director")
    assert section.email == "jbrown@mns.gov.jm" and section.declared_pillar == "Pillar III"
    assert section.fields["problem"] == "Records were kept on paper.\n\nNobody could count them."


def test_narrative_headings_keep_the_whole_text():
    doc = _doc(H("Respuesta del Perú"), P("Nota de la Misión."),
               H("Programa: Escuelas Seguras (Pilar 2)"), P("Uno."), P("Dos."),
               H("Good practice – Safer Streets"), P("Three."))
    result = split_sections(doc)
    assert [(s.kind, s.title) for s in result.sections] == [
        (SectionKind.PROGRAM, "Escuelas Seguras"), (SectionKind.PRACTICE, "Safer Streets")]
    assert result.sections[0].declared_pillar == "Pilar 2"
    assert result.sections[0].text.endswith("Uno.\n\nDos.")
    assert "Nota de la Misión." in result.cover_text


def test_a_heading_keeps_a_quote_that_closes_inside_its_title_and_reads_a_numbered_pillar_suffix():
    doc = _doc(H("Respuesta del Canadá"), P("Note."),
               H("Leçon apprise : Les plaintes classées « non fondées »"), P("Un."),
               H("Buena práctica: « Registro digital de agentes » (1 - Gestión de la seguridad pública)"), P("Dos."),
               H("Programa: “Barrio Seguro”"), P("Tres."))
    result = split_sections(doc)
    assert [s.title for s in result.sections] == [
        "Les plaintes classées « non fondées »", "Registro digital de agentes", "Barrio Seguro"]
    assert [s.declared_pillar for s in result.sections] == ["", "1 - Gestión de la seguridad pública", ""]


def test_a_section_written_as_prose_declares_its_pillar_in_a_sentence():
    doc = _doc(H("Réponse d'Haïti"), P("Note."),
               H("Programme : Sécurité dans les camps"),
               P("Ce programme, qui relève des piliers 2 et 3, est mis en œuvre par la PNH."), P("Un."),
               H("Good practice: Maritime Approaches"),
               P("The Government places it under Pillar I of the Commitment to Public Security."),
               H("Programa: Barrio Seguro (Pilar 4)"), P("Apoya el pilar 2 del Plan Nacional."),
               H("Programa: Escuelas Seguras"), P("Uno de los cinco pilares del plan; el presupuesto de 2013."),
               H("Programa: Plan 2.4"), P("Véase el pilar 2.4 y el Pilar 2013."))
    assert [s.declared_pillar for s in split_sections(doc).sections] == [
        "piliers 2 et 3", "Pillar I",
        "Pilar 4",  # the heading's own declaration comes first
        "", ""]  # no pillar number: "cinco pilares", an area code, a year
    # A reply that has the field and leaves it empty declares nothing, whatever its text says.
    doc = _doc(H("Respuesta"), P("Nota."), H("b. Información sobre Programas de Seguridad Pública"),
               P("Nombre del programa: Barrio Seguro"), P("Pilar MISPA correspondiente:"),
               P("Líneas de acción: el pilar 2 del Plan Nacional."))
    assert [s.declared_pillar for s in split_sections(doc).sections] == [""]


def test_unquote_takes_off_only_the_quotes_around_a_title():
    from ingest.labels import unquote

    assert unquote("« Barrio Seguro »") == unquote('"Barrio Seguro"') == unquote("“Barrio Seguro”") == "Barrio Seguro"
    assert unquote('"Barrio Seguro') == unquote("Barrio Seguro»") == "Barrio Seguro"  # a stray quote
    for kept in ("« Lekòl san vyolans » (École sans violence)", '"A" and "B"', "Programme for Students'",
                 "Programa “Empresa Segura, Comunidad Segura”", "classées « non fondées »"):
        assert unquote(kept) == kept


def test_a_title_ending_in_a_parenthesis_that_is_not_a_pillar_keeps_it():
    doc = _doc(H("Respuesta"), P("Nota."), H("Programa: Plan Cuadrante (2019 - 2023)"), P("Uno."),
               H("Programa: Barrio (Fase 2)"), P("Dos."))
    assert [(s.title, s.declared_pillar) for s in split_sections(doc).sections] == [
        ("Plan Cuadrante (2019 - 2023)", ""), ("Barrio (Fase 2)", "")]


def test_an_empty_label_is_not_joined_with_a_labelled_line_after_it():
    # A PDF page whose paragraphs ran together: the institution header, then its sub-labels.
    doc = _doc(P("Estado Miembro: El Salvador\nInstitución responsable:\n"
                 "Nombre de la institución: Dirección General de Centros Penales\n"
                 "Nombre del programa: Trabajo Productivo\nPoblación objetivo: personas privadas de libertad"),
               fmt=Format.PDF)
    (section,) = split_sections(doc).sections
    assert section.institution == "Dirección General de Centros Penales"
    assert section.title == "Trabajo Productivo"


def test_a_program_s_actions_are_its_lines_of_action_and_a_lesson_s_lines_of_action_its_actions():
    doc = _doc(P("Nombre del programa: Jóvenes en Ruta\nPoblación beneficiaria: jóvenes de 15 a 24 años\n"
                 "Acciones implementadas: talleres y pasantías"),
               P("Nombre de la lección aprendida: Registro único\nProblema: dos registros\n"
                 "Líneas de acción: un solo formulario"))
    program, lesson = split_sections(doc).sections
    assert program.fields["lines_of_action"] == "talleres y pasantías" and "actions" not in program.fields
    assert lesson.fields["actions"] == "un solo formulario" and "lines_of_action" not in lesson.fields


def test_a_block_heading_whose_roman_number_ocr_misread_still_closes_the_field_before():
    doc = _doc(P("Nombre del plan: Plan Nacional\nEnlace electrónico: www.minterior.gub.uy/plan\n"
                 "IL. Información sobre Programas de Seguridad Pública\nNombre del programa: Cárcel con Trabajo"),
               fmt=Format.PDF)
    plan, program = split_sections(doc).sections
    assert plan.fields["link"] == "www.minterior.gub.uy/plan"
    assert (program.kind, program.title) == (SectionKind.PROGRAM, "Cárcel con Trabajo")
    assert match_heading("HI. Información sobre Lecciones Aprendidas en Seguridad Pública").kind == SectionKind.LESSON


def test_an_unknown_table_label_with_its_colon_is_not_given_a_second_one():
    from ingest.model import Block as B

    table = B(kind="table", rows=(("Nombre de la buena práctica", "Registro único"), ("Resultados", "Menos robos."),
                                  ("Consejos de la casa:", "Inscribir a todos.")))
    (section,) = split_sections(_doc(table)).sections
    assert section.fields["results"].endswith("Consejos de la casa: Inscribir a todos.")


def test_a_table_cell_cut_by_a_page_break_goes_on_and_so_do_its_contact_lines():
    table = Block(kind="table", rows=(
        ("Nombre de la lección aprendida", "Contenedores en Manzanillo"),
        ("Institución responsable", "Nombre de la institución: Servicio Nacional Aeronaval\n"
                                    "Persona a cargo: Cap. Ana Ríos\n(Cargo): Jefa de la Unidad Conjunta"),
        ("", "Teléfono/Fax: (507) 433-9500\nCorreo electrónico: ucp@aeronaval.gob.pa"),  # the next page
        ("Problema/logro", "En 2022 se hallaron drogas en las"),
        ("", "cargas de 14 contenedores."),
        ("", "b) Se reforzó el control."),  # a list item, not the sentence going on
    ))
    (section,) = split_sections(_doc(table, fmt=Format.PDF)).sections
    assert (section.job_title, section.phone, section.email) == (
        "Jefa de la Unidad Conjunta", "(507) 433-9500", "ucp@aeronaval.gob.pa")
    assert section.fields["problem"] == ("En 2022 se hallaron drogas en las cargas de 14 contenedores.\n\n"
                                         "b) Se reforzó el control.")


def test_an_annex_closes_the_last_section_and_a_dash_can_bring_the_pillar():
    doc = _doc(H("Respuesta del Perú"), P("Nota."),
               H("Buena práctica: SUCAMEC en Línea: registro de empresas — Pilar 1"), P("Uno."),
               P("Otra información relevante: Ley 28879."),
               H("Annex – Selected statistics"), P("Homicides per 100,000: 2019, 25.0."))
    result = split_sections(doc)
    (section,) = result.sections
    assert (section.title, section.declared_pillar) == ("SUCAMEC en Línea: registro de empresas", "Pilar 1")
    assert section.fields["other"] == "Ley 28879." and "Homicides" not in section.text
    assert "Homicides per 100,000" in result.cover_text
    answer = _doc(P("Nombre del programa: Barrio Seguro\nEnlace electrónico"), P("Anexo 2"))
    (program,) = split_sections(answer).sections
    assert program.fields["link"] == "Anexo 2"  # a label's answer, not an annex


@pytest.mark.parametrize("header", ["Observaciones", "Observacione\ns", "Comments:"])
def test_a_comments_column_is_left_out(header):
    # "Observacione" / "s": a narrow column broke the word (a born-digital PDF)
    table = Block(kind="table", rows=(
        ("PROGRAMA", header),
        ("Nombre del programa:", "Sembremos Seguridad", ""),
        ("Pilar MISPA correspondiente:", "Pilar 3", "También toca el Pilar 4."),
        ("Resultados:", "Los robos bajaron un 9 %.", "Datos al 31/12/2021."),
    ))
    (section,) = split_sections(_doc(table)).sections
    assert (section.title, section.declared_pillar) == ("Sembremos Seguridad", "Pilar 3")
    assert section.fields["results"] == "Los robos bajaron un 9 %."
    plain = Block(kind="table", rows=(("Nombre del programa:", "Barrio", "Fase 2"),
                                      ("Resultados:", "Menos robos.", "Datos de 2021.")))
    kept = split_sections(_doc(plain)).sections[0]  # no "Observaciones" header: every column is kept
    assert kept.fields["results"] == "Menos robos.\nDatos de 2021."


def test_a_plan_table_s_header_row_opens_the_plan_and_stays_out_of_the_cover_note():
    doc = _doc(P("Tengo el honor de dirigirme a usted."),
               Block(kind="table", rows=(("PLAN",), ("Nombre del plan:", "Plan Nacional 2020"),
                                         ("Período:", "2020-2024"))))
    result = split_sections(doc)
    assert result.cover_text == "Tengo el honor de dirigirme a usted."
    assert [(s.kind, s.title) for s in result.sections] == [(SectionKind.PLAN, "Plan Nacional 2020")]


def test_pdf_lines_wrapped_after_a_hyphen_rejoin():
    doc = _doc(P("Nombre de la lección aprendida: Mediación en el Bas-\nArtibonite\nProblema: tierras"),
               fmt=Format.PDF)
    (section,) = split_sections(doc).sections
    assert section.title == "Mediación en el Bas-Artibonite"


def test_a_line_wrapped_after_a_hyphen_joins_without_a_space():
    from ingest.text import join_wrapped

    assert join_wrapped("Plan Nacional 2019-", "2023") == "Plan Nacional 2019-2023"  # the PDF reader's headings
    assert join_wrapped("Bas-", "Artibonite") == "Bas-Artibonite"
    assert join_wrapped("seguridad -", "2019") == "seguridad - 2019"  # a spaced dash is not a break
    assert join_wrapped("la", "prevención", "\n") == "la\nprevención"



def test_pdf_lines_of_a_narrative_paragraph_make_one_paragraph():
    doc = _doc(P("Respuesta de la\nRepública del Perú."), P("Nota de la Misión."),
               H("Programa: Escuelas Seguras"), P("Desde 2012 el Ministerio del Interior, a través de la\n"
                                                  "Dirección General de Seguridad Democrática, ejecuta el\n"
                                                  "programa en instituciones educativas\npúblicas."),
               P("Segundo párrafo."), fmt=Format.PDF)
    result = split_sections(doc)
    (section,) = result.sections
    assert section.text.endswith("Desde 2012 el Ministerio del Interior, a través de la Dirección General de "
                                 "Seguridad Democrática, ejecuta el programa en instituciones educativas "
                                 "públicas.\n\nSegundo párrafo.")
    assert result.cover_text == "Respuesta de la República del Perú.\n\nNota de la Misión."


def test_a_section_whose_text_runs_onto_the_next_page_spans_both():
    doc = _doc(Block(kind="heading", text="Programa: Escuelas Seguras", level=1, page=1),
               Block(kind="paragraph", text="Primer párrafo.", page=1),
               Block(kind="paragraph", text="Sigue en la página\nsiguiente.", page=2), fmt=Format.PDF)
    (section,) = split_sections(doc).sections
    assert (section.page_start, section.page_end) == (1, 2)


LABELS = [
    ("Población meta: jóvenes", "target_population"), ("b. Nombre del programa: X", "title_program"),
    ("(Cargo): Director", "job_title"), ("Electronic link (or send paper copy): http://x", "link"),
    ("Problem/achivement:", "problem"), ("Other important information.", "other"),
    ("Poblacion obejtivo: x", "target_population"), ("Pilier MISPA correspondant : Pilier 3", "declared_pillar"),
    ("Público-alvo: jovens", "target_population"), ("Metodología de evaluación y seguimiento: x", "evaluation"),
]
NOT_LABELS = ["El programa atendió a 300 jóvenes: resultados", "Durante 2013 se capacitó a 40 policías."]


def test_label_table():
    for text, field in LABELS:
        m = match_label(text)
        assert m is not None and m.field == field, text
    for text in NOT_LABELS:
        assert match_label(text) is None, text


def test_heading_table():
    assert match_heading("d. Informações sobre Boas Práticas de Segurança Pública").kind == SectionKind.PRACTICE
    assert match_heading("Programa 2").title == ""
    assert match_heading("Leçon apprise : La police").title == "La police"
    assert match_heading("Respuesta de Costa Rica al cuestionario") is None
    # the questionnaire's own English headings (Appendix IV), with the words in English order
    for text, kind in (("a. Information on the Public Security Plan", SectionKind.PLAN),
                       ("b. Information on Public Security Programs", SectionKind.PROGRAM),
                       ("c. Information on Lessons Learned in Public Security", SectionKind.LESSON),
                       ("d. Information on Good practices on Public Security", SectionKind.PRACTICE),
                       ("Information on the National Public Security Plan", SectionKind.PLAN),
                       ("Information on Public Security Good Practices", SectionKind.PRACTICE)):
        assert match_heading(text, strict=True).kind == kind, text


def test_table_rows_left_empty_and_continuations_that_look_like_labels():
    table = Block(kind="table", rows=(
        ("b. Information on Public Security Programs",),
        ("Member State:", "Trinidad and Tobago"),
        ("Name of the program:", "Rebuilding Lives and"),
        ("", "Second Chances"),  # the name goes on after a page break, capitalised
        ("Current or emerging\nthreats", "Homicide among young men and the"),
        ("", "situation of the prisons: 4,000 inmates on remand."),  # value goes on after a page break
        ("Evaluation", "Trainees are assessed by examination and practical"),
        ("methodology", "exercises in the field."),  # the label cell's tail over the page break
        ("Electronic link", "Copy attached (Annex 1)."),
        ("Other relevant\ninformation", ""),  # a row left empty is not text of the row before
    ))
    (section,) = split_sections(_doc(table, fmt=Format.PDF)).sections
    assert section.title == "Rebuilding Lives and Second Chances"
    assert section.fields["threats"] == ("Homicide among young men and the "  # one sentence, one paragraph
                                         "situation of the prisons: 4,000 inmates on remand.")
    assert section.fields["evaluation"] == "Trainees are assessed by examination and practical exercises in the field."
    assert section.fields["link"] == "Copy attached (Annex 1)."
    assert section.fields.get("other", "") == ""


def test_heading_run_into_a_paragraph_and_a_name_label_followed_by_prose():
    doc = _doc(
        P("Nombre del programa: Entrega Voluntaria de Armas\nEnlace electrónico: www.anmac.gob.ar/entrega\n"
          "Información sobre Buenas Prácticas en Seguridad Pública\nNombre de la buena práctica: Mesas barriales"),
        P("Nom de la leçon apprise : Médiation foncière"),
        P("Mesures prises : des comités locaux de médiation."),
        P("Enseignement tiré : la police ne peut pas régler seule des conflits dont\nl'origine n'est pas "
          "pénale ; son rôle le plus utile est de détecter tôt les tensions et\nd'orienter les parties "
          "vers une instance de médiation reconnue par la communauté."),
        fmt=Format.PDF,
    )
    sections = split_sections(doc).sections
    assert [(s.kind, s.title) for s in sections] == [
        (SectionKind.PROGRAM, "Entrega Voluntaria de Armas"), (SectionKind.PRACTICE, "Mesas barriales"),
        (SectionKind.LESSON, "Médiation foncière")]  # "Enseignement tiré : la police ..." names no lesson
    assert sections[0].fields["link"] == "www.anmac.gob.ar/entrega"
    assert sections[2].fields["actions"].startswith("des comités locaux de médiation.\n\nEnseignement tiré : la police")


def test_a_plan_name_that_carries_its_approving_act_is_still_the_plan_name():
    # A plan's name runs on into the act that approved it, wrapped over lines: a long answer that
    # ends with a period, which after any other name label would be prose (the test above).
    doc = _doc(
        P("I. Informação sobre o Plano de Segurança Pública\nEstado Membro: República Federativa do Brasil\n"
          "Nome do plano: Plano Nacional de Segurança Pública e Defesa Social (PNSP) 2021-2030,\n"
          "aprovado pelo Decreto nº 10.822, de 28 de setembro de 2021, em cumprimento à Lei nº\n"
          "13.675/2018, que criou o Sistema Único de Segurança Pública (SUSP).\n"
          "Período de implementação: de 2021 a 2030."),
        fmt=Format.PDF,
    )
    plan, = split_sections(doc).sections
    assert plan.kind == SectionKind.PLAN
    assert plan.title.startswith("Plano Nacional de Segurança Pública e Defesa Social (PNSP) 2021-2030, aprovado")
    assert plan.title.endswith("(SUSP).")
    assert plan.fields["period"] == "de 2021 a 2030."


def test_a_wrapped_line_of_prose_that_starts_like_a_label_stays_prose():
    # A narrative PDF wraps a sentence so that a line starts with "institución:" (the label
    # "Institución", written lower case): running text, not the start of an institution field.
    doc = _doc(
        H("Programa: Mesas Comunitarias de Seguridad"),
        P("Cada mesa define un plan local con compromisos concretos de cada\n"
          "institución: horarios de patrullaje, iluminación de calles y limpieza de lotes\n"
          "baldíos."),
        P("Institución: Ministerio de Seguridad Pública"),  # a label of its own paragraph is still one
        fmt=Format.PDF,
    )
    (section,) = split_sections(doc).sections
    assert "institución: horarios de patrullaje" in section.text
    assert section.institution == "Ministerio de Seguridad Pública"


def test_a_label_over_two_lines_read_as_prose_keeps_both_lines():
    # "Nombre del" / "programa: <a long sentence>" matches a name label over two lines, then reads
    # as prose (a name is not a long sentence): both lines stay text, the second is not dropped.
    sentence = "una frase muy larga que sigue y sigue " * 6 + "hasta el final."
    doc = _doc(
        H("Programa: Barrio Seguro"),
        P(f"Texto del programa que explica\nNombre del\nprograma: {sentence}\nLínea siguiente."),
        fmt=Format.PDF,
    )
    (section,) = split_sections(doc).sections
    assert f"Nombre del programa: {sentence} Línea siguiente." in section.text


def test_a_styled_heading_before_bare_fields_titles_its_own_section():
    """Word replies that style each program's name as a heading and go straight on to "Label: value"
    paragraphs: each heading is a section's title, and the second program's fields no longer run into
    the first's (they were one section titled by the last heading, with both descriptions)."""
    doc = _doc(
        H("Programas"),
        H("Programa de Prevención Juvenil Barrio Seguro"),
        P("Descripción: atiende a jóvenes en riesgo con talleres y mentores."),
        P("Institución responsable: Ministerio de Seguridad Pública"),
        H("Mesas de convivencia vecinal (Pilar 4)"),
        P("Descripción: mesas vecinales para resolver conflictos."),
        P("Institución responsable: Alcaldía de Panamá"),
    )
    sections = split_sections(doc).sections
    assert [(s.kind, s.title, s.institution, s.declared_pillar) for s in sections] == [
        (SectionKind.PROGRAM, "Programa de Prevención Juvenil Barrio Seguro", "Ministerio de Seguridad Pública", ""),
        (SectionKind.PROGRAM, "Mesas de convivencia vecinal", "Alcaldía de Panamá", "Pilar 4")]
    assert [s.fields["description"] for s in sections] == [
        "atiende a jóvenes en riesgo con talleres y mentores.", "mesas vecinales para resolver conflictos."]


def test_a_styled_subheading_inside_a_section_stays_in_it_when_its_fields_go_on():
    """A heading inside a section followed by a field the section does not have yet is not a new
    section: the heading stays in the body and the field joins the section."""
    doc = _doc(
        H("Buenas prácticas"),
        P("Nombre de la práctica: Escuelas Seguras"),
        P("Descripción: brigadas escolares de autoprotección."),
        H("Seguimiento"),
        P("Resultados: 40 escuelas con brigadas activas."),
    )
    sections = split_sections(doc).sections
    assert [(s.title, sorted(s.fields)) for s in sections] == [("Escuelas Seguras", ["description", "results"])]
    assert "Seguimiento" in sections[0].text


def test_a_title_naming_a_kind_decides_when_the_fields_hardly_do():
    """Outside any block, a section with a description alone was a practice (the description is a
    practice's field) even when its title says "Programa ..." or "Lección aprendida ..."; two
    fields of one kind still decide."""
    doc = _doc(
        H("Programa de Reeducación para Hombres que Ejercen Violencia"),
        P("Descripción: grupos semanales durante seis meses."),
        P("Institución responsable: Secretaría de Seguridad"),
        H("Lección aprendida sobre la coordinación municipal"),
        P("Descripción: sin un enlace fijo las mesas se disolvían."),
        P("Institución responsable: Alcaldía"),
        H("Mesas de convivencia vecinal"),
        P("Descripción: mesas vecinales para resolver conflictos."),
        P("Institución responsable: Alcaldía de Panamá"),
        H("Proyecto de mediación en escuelas"),
        P("Descripción: brigadas escolares de autoprotección."),
        P("Objetivo: reducir la violencia escolar."),
    )
    assert [(s.kind, s.title[:20]) for s in split_sections(doc).sections] == [
        (SectionKind.PROGRAM, "Programa de Reeducac"), (SectionKind.LESSON, "Lección aprendida so"),
        (SectionKind.PRACTICE, "Mesas de convivencia"), (SectionKind.PRACTICE, "Proyecto de mediació")]


def test_a_title_label_followed_by_a_name_without_a_colon_is_a_sections_title():
    """"Programa Escuelas Seguras", as a heading or a line of its own, is read as the label
    "Programa" (its words dropped): the section ran into the one before it. It opens its own."""
    for make in (H, P):
        doc = _doc(
            H("Mesas de convivencia vecinal"),
            P("Descripción: mesas vecinales para resolver conflictos."),
            make("Programa Escuelas Seguras"),
            P("Objetivo: reducir la violencia escolar."),
            make("Programa Barrio Seguro"),
            P("Objetivo: recuperar espacios públicos."),
        )
        assert [(s.kind, s.title, sorted(s.fields)) for s in split_sections(doc).sections] == [
            (SectionKind.PRACTICE, "Mesas de convivencia vecinal", ["description"]),
            (SectionKind.PROGRAM, "Programa Escuelas Seguras", ["objective"]),
            (SectionKind.PROGRAM, "Programa Barrio Seguro", ["objective"])], make


def test_a_name_on_its_own_line_after_a_block_heading_titles_the_section_its_fields_open():
    """"Programa" (a block heading), then "Barrio Seguro", then the fields: the name went to the
    cover note and the section had no title. A sentence there stays in the cover note."""
    for make in (H, P):
        doc = _doc(make("Programa"), P("Barrio Seguro"), P("Objetivo: recuperar espacios públicos."),
                   make("Programas"), P("A continuación se describen los programas."),
                   P("Objetivo: reducir la violencia escolar."))
        result = split_sections(doc)
        assert [(s.kind, s.title) for s in result.sections] == [
            (SectionKind.PROGRAM, "Barrio Seguro"), (SectionKind.PROGRAM, "")], make
        assert result.cover_text == "A continuación se describen los programas."
