"""The project's own words, in English, Spanish, French and Portuguese.

One row per message: ``key: (en, es, fr, pt)``. Placeholders are filled with
values already formatted for the reader's language.
"""

from typing import Any

from periplus.sdg import LANGUAGES

M: dict[str, tuple[str, str, str, str]] = {
    # Site and navigation
    "site.tagline": (
        "officials' foreign trips, on a public ledger",
        "viajes oficiales al exterior, en un registro público",
        "déplacements officiels à l'étranger, sur un registre public",
        "viagens oficiais ao exterior, num registro público",
    ),
    "site.footer": (
        "Every item here is an entry of the city's append-only ledger and can be verified.",
        "Cada elemento es una entrada del registro inalterable de la ciudad y puede verificarse.",
        "Chaque élément est une entrée du registre inaltérable de la ville et peut être vérifié.",
        "Cada item é uma entrada do registro inalterável da cidade e pode ser verificado.",
    ),
    "site.language": ("Language", "Idioma", "Langue", "Idioma"),
    "site.skip": ("Skip to content", "Ir al contenido", "Aller au contenu", "Ir para o conteúdo"),
    "feeds": ("Feeds", "Canales", "Flux", "Feeds"),
    "opendata": ("Open data", "Datos abiertos", "Données ouvertes", "Dados abertos"),
    "digest.title": (
        "{period}: the city abroad",
        "{period}: la ciudad en el exterior",
        "{period} : la ville à l'étranger",
        "{period}: a cidade no exterior",
    ),
    "digest.intro": (
        "What the city's ledger logged in {period}. Every figure can be checked entry by entry.",
        "Lo que registró el registro de la ciudad en {period}. Cada cifra se puede verificar.",
        "Ce que le registre de la ville a consigné en {period}. Chaque chiffre se vérifie.",
        "O que o registro da cidade consignou em {period}. Cada número pode ser verificado.",
    ),
    "digest.cost": (
        "The trips that began cost {total}; hosts and partners paid {others} of it.",
        "Los viajes que comenzaron costaron {total}; anfitriones y socios pagaron {others}.",
        "Les déplacements commencés ont coûté {total}, dont {others} payés par les hôtes "
        "et partenaires.",
        "As viagens que começaram custaram {total}; anfitriões e parceiros pagaram {others}.",
    ),
    "digest.monthly": ("Monthly digest", "Resumen mensual", "Bilan mensuel", "Resumo mensal"),
    "digest.yearly": ("Yearly digest", "Resumen anual", "Bilan annuel", "Resumo anual"),
    "digest.previous": ("Previous", "Anterior", "Précédent", "Anterior"),
    "digest.next": ("Next", "Siguiente", "Suivant", "Seguinte"),
    "digest.print": (
        "This page prints as it reads, for the newsletter.",
        "Esta página se imprime tal como se lee, para el boletín.",
        "Cette page s'imprime telle quelle, pour le bulletin.",
        "Esta página imprime-se tal como se lê, para o boletim.",
    ),
    "card.warnings": (
        "Checklist warnings: {count}",
        "Alertas de la lista de control: {count}",
        "Alertes de la liste de contrôle : {count}",
        "Alertas da lista de verificação: {count}",
    ),
    "opendata.name": (
        "officials' foreign trips",
        "viajes al exterior de autoridades",
        "déplacements à l'étranger des élus et agents",
        "viagens ao exterior de autoridades",
    ),
    "opendata.description": (
        "Every approved foreign trip: purpose, costs and payers, outcomes, follow-ups.",
        "Cada viaje al exterior aprobado: propósito, costos y quién paga, resultados, seguimiento.",
        "Chaque déplacement approuvé : objet, coûts et payeurs, résultats, suivi.",
        "Cada viagem aprovada: propósito, custos e quem paga, resultados, acompanhamento.",
    ),
    "opendata.trips": ("trips", "viajes", "déplacements", "viagens"),
    "opendata.costs": ("costs", "costos", "coûts", "custos"),
    "opendata.outcomes": ("outcomes", "resultados", "résultats", "resultados"),
    "opendata.followups": ("follow-ups", "seguimiento", "suivi", "acompanhamento"),
    "opendata.signals": (
        "checklist",
        "lista de control",
        "liste de contrôle",
        "lista de verificação",
    ),
    # The year at a glance (words about counts are in i18n.counts)
    "glance.title": (
        "{year} at a glance",
        "{year} de un vistazo",
        "L'année {year} en un coup d'œil",
        "Panorama de {year}",
    ),
    "glance.intro": (
        "Trips that depart in {year}. Each figure leads to the trips behind it and their "
        "ledger entries.",
        "Viajes con salida en {year}. Cada cifra lleva a los viajes que la forman y a sus "
        "entradas del registro.",
        "Déplacements dont le départ a lieu en {year}. Chaque chiffre mène aux déplacements "
        "qui le composent et à leurs entrées du registre.",
        "Viagens com partida em {year}. Cada número leva às viagens que o compõem e às suas "
        "entradas do registro.",
    ),
    "glance.years": ("Other years", "Otros años", "Autres années", "Outros anos"),
    "glance.cost": ("total cost", "costo total", "coût total", "custo total"),
    "glance.city_share": (
        "the city's share: {city}",
        "parte de la ciudad: {city}",
        "part de la ville : {city}",
        "parte da cidade: {city}",
    ),
    "glance.cofunded": (
        "paid by hosts and partners",
        "pagado por anfitriones y socios",
        "payé par les hôtes et partenaires",
        "pago por anfitriões e parceiros",
    ),
    "glance.cofunded_of": (
        "{others} of {total}",
        "{others} de {total}",
        "{others} sur {total}",
        "{others} de {total}",
    ),
    "glance.city_all": (
        "the city pays for everything",
        "la ciudad lo paga todo",
        "la ville paie tout",
        "a cidade paga tudo",
    ),
    "glance.no_cost": (
        "no cost published yet",
        "aún no hay costos publicados",
        "aucun coût publié pour l'instant",
        "nenhum custo publicado ainda",
    ),
    "glance.no_notice": (
        "no disclosure date known",
        "sin fecha de publicación conocida",
        "aucune date de publication connue",
        "nenhuma data de publicação conhecida",
    ),
    "glance.shown": (
        "Trips behind the figure “{figure}” in {year}: {count}. Each links to the ledger "
        "entry the figure comes from.",
        "Viajes detrás de la cifra «{figure}» en {year}: {count}. Cada uno enlaza a la "
        "entrada del registro de la que sale la cifra.",
        "Déplacements derrière le chiffre « {figure} » en {year} : {count}. Chacun renvoie à "
        "l'entrée du registre d'où vient le chiffre.",
        "Viagens por trás do número “{figure}” em {year}: {count}. Cada uma leva à entrada "
        "do registro de onde vem o número.",
    ),
    "glance.entry": (
        "ledger entry {index}",
        "entrada {index} del registro",
        "entrée {index} du registre",
        "entrada {index} do registro",
    ),
    "figure.trips": ("trips", "viajes", "déplacements", "viagens"),
    "figure.cost": ("cost", "costo", "coût", "custo"),
    "figure.cofunded": (
        "paid by hosts and partners",
        "pagado por anfitriones y socios",
        "payé par les hôtes et partenaires",
        "pago por anfitriões e parceiros",
    ),
    "figure.outcomes": ("outcomes", "resultados", "résultats", "resultados"),
    "figure.overdue": (
        "reports overdue",
        "informes atrasados",
        "rapports en retard",
        "relatórios atrasados",
    ),
    "figure.followups": (
        "follow-up commitments",
        "compromisos de seguimiento",
        "engagements de suivi",
        "compromissos de acompanhamento",
    ),
    "figure.notice": ("notice", "antelación", "préavis", "antecedência"),
    "figure.short_notice": (
        "short notice",
        "poca antelación",
        "préavis court",
        "pouca antecedência",
    ),
    "figure.cancelled": ("cancelled", "cancelados", "annulés", "canceladas"),
    "charts.title": (
        "How it changes over the years",
        "Cómo cambia con los años",
        "L'évolution au fil des ans",
        "Como muda ao longo dos anos",
    ),
    "chart.table": (
        "The figures as a table",
        "Las cifras en una tabla",
        "Les chiffres en tableau",
        "Os números numa tabela",
    ),
    "chart.cost": (
        "Cost per year, by who pays ({currency})",
        "Costo por año, según quién paga ({currency})",
        "Coût par an, selon qui paie ({currency})",
        "Custo por ano, segundo quem paga ({currency})",
    ),
    "chart.cost_note": (
        "Actual costs where a trip is completed, else its budget. Trips in another currency "
        "are left out of this chart.",
        "Costos reales si el viaje concluyó; si no, su presupuesto. Los viajes en otra moneda "
        "no entran en este gráfico.",
        "Coûts réels si le déplacement est achevé, sinon son budget. Les déplacements dans une "
        "autre monnaie ne figurent pas dans ce graphique.",
        "Custos reais se a viagem foi concluída; senão, seu orçamento. Viagens em outra moeda "
        "ficam fora deste gráfico.",
    ),
    "chart.departments": (
        "Trips in {year} by department",
        "Viajes de {year} por área",
        "Déplacements de {year} par service",
        "Viagens de {year} por secretaria",
    ),
    "chart.goals": (
        "Trips in {year} by SDG goal",
        "Viajes de {year} por objetivo ODS",
        "Déplacements de {year} par objectif ODD",
        "Viagens de {year} por objetivo ODS",
    ),
    "chart.outcomes": (
        "Expected outcomes and what came of them, by year of departure",
        "Resultados esperados y qué se logró, por año de salida",
        "Résultats attendus et ce qu'il en est advenu, par année de départ",
        "Resultados esperados e o que se alcançou, por ano de partida",
    ),
    "chart.notice": (
        "Days of notice before departure, the median per quarter",
        "Días de antelación antes de la salida, mediana por trimestre",
        "Jours de préavis avant le départ, médiane par trimestre",
        "Dias de antecedência antes da partida, mediana por trimestre",
    ),
    "chart.minimum": (
        "minimum asked: {days}",
        "mínimo pedido: {days}",
        "minimum demandé : {days}",
        "mínimo pedido: {days}",
    ),
    "chart.no_result": ("No result reported", "Sin balance", "Sans bilan", "Sem balanço"),
    "chart.none": (
        "No trip to show for {year}.",
        "Ningún viaje que mostrar para {year}.",
        "Aucun déplacement à montrer pour {year}.",
        "Nenhuma viagem a mostrar para {year}.",
    ),
    "col.year": ("Year", "Año", "Année", "Ano"),
    "col.quarter": ("Quarter", "Trimestre", "Trimestre", "Trimestre"),
    "col.trips": ("Trips", "Viajes", "Déplacements", "Viagens"),
    "col.median_notice": (
        "Median days of notice",
        "Mediana de días de antelación",
        "Préavis médian en jours",
        "Mediana de dias de antecedência",
    ),
    "chart.payer.city": ("City", "Ciudad", "Ville", "Cidade"),
    "chart.payer.host": ("Host", "Anfitrión", "Hôte", "Anfitrião"),
    "chart.payer.national_government": (
        "National government",
        "Gobierno nacional",
        "Gouvernement national",
        "Governo nacional",
    ),
    "chart.payer.external_grant": (
        "External grant",
        "Subvención externa",
        "Subvention externe",
        "Doação externa",
    ),
    "chart.payer.other": ("Others", "Otros", "Autres", "Outros"),
    # List
    "list.title": (
        "Foreign trips",
        "Viajes al exterior",
        "Déplacements à l'étranger",
        "Viagens ao exterior",
    ),
    "list.empty": (
        "No trip has been published yet.",
        "Aún no se ha publicado ningún viaje.",
        "Aucun déplacement n'a encore été publié.",
        "Nenhuma viagem foi publicada ainda.",
    ),
    "list.count": (
        "{count} trips shown.",
        "{count} viajes mostrados.",
        "{count} déplacements affichés.",
        "{count} viagens exibidas.",
    ),
    "list.pages": ("More trips", "Más viajes", "Plus de déplacements", "Mais viagens"),
    "list.newer": (
        "Later departures",
        "Salidas posteriores",
        "Départs plus tardifs",
        "Partidas posteriores",
    ),
    "list.older": (
        "Earlier departures",
        "Salidas anteriores",
        "Départs antérieurs",
        "Partidas anteriores",
    ),
    "filter.title": (
        "Filter trips",
        "Filtrar viajes",
        "Filtrer les déplacements",
        "Filtrar viagens",
    ),
    "filter.department": ("Department", "Área", "Service", "Secretaria"),
    "filter.sdg": ("SDG goal", "Objetivo ODS", "Objectif ODD", "Objetivo ODS"),
    "filter.country": ("Country", "País", "Pays", "País"),
    "filter.status": ("Status", "Estado", "État", "Situação"),
    "filter.year": ("Year", "Año", "Année", "Ano"),
    "filter.any": ("Any", "Todos", "Tous", "Todos"),
    "filter.apply": ("Show trips", "Mostrar viajes", "Afficher", "Mostrar viagens"),
    "filter.clear": ("Clear filters", "Quitar filtros", "Effacer les filtres", "Limpar filtros"),
    "col.reference": ("Reference", "Referencia", "Référence", "Referência"),
    "col.trip": ("Trip", "Viaje", "Déplacement", "Viagem"),
    "col.dates": ("Dates", "Fechas", "Dates", "Datas"),
    "col.destination": ("Destination", "Destino", "Destination", "Destino"),
    "col.status": ("Status", "Estado", "État", "Situação"),
    "col.warnings": ("Warnings", "Alertas", "Alertes", "Alertas"),
    # Trip page
    "trip.summary": ("In short", "En resumen", "En bref", "Em resumo"),
    "trip.checklist": (
        "Accountability checklist",
        "Lista de rendición de cuentas",
        "Liste de redevabilité",
        "Lista de prestação de contas",
    ),
    "trip.checklist_intro": (
        "Each line is a signal, with the figures behind it and the city's published threshold.",
        "Cada línea es una señal, con sus cifras y el umbral publicado por la ciudad.",
        "Chaque ligne est un signal, avec ses chiffres et le seuil publié par la ville.",
        "Cada linha é um sinal, com seus números e o limite publicado pela cidade.",
    ),
    "trip.agenda": ("Agenda", "Agenda", "Programme", "Agenda"),
    "trip.costs": ("Costs", "Costos", "Coûts", "Custos"),
    "trip.budget": ("Budget", "Presupuesto", "Budget", "Orçamento"),
    "trip.actual": ("Actual costs", "Costos reales", "Coûts réels", "Custos reais"),
    "trip.in_kind": (
        "Received in kind",
        "Recibido en especie",
        "Reçu en nature",
        "Recebido em espécie",
    ),
    "trip.timeline": (
        "Ledger entries",
        "Entradas del registro",
        "Entrées du registre",
        "Entradas do registro",
    ),
    "trip.followups": (
        "Follow-up commitments",
        "Compromisos de seguimiento",
        "Engagements de suivi",
        "Compromissos de acompanhamento",
    ),
    "trip.results": ("Results", "Resultados", "Résultats", "Resultados"),
    "trip.follow": (
        "Follow this trip",
        "Seguir este viaje",
        "Suivre ce déplacement",
        "Acompanhar esta viagem",
    ),
    "trip.back": ("All trips", "Todos los viajes", "Tous les déplacements", "Todas as viagens"),
    "trip.unvalidated": (
        "Some entries of this trip did not match the published data format; "
        "they are shown with what is known.",
        "Algunas entradas de este viaje no siguen el formato publicado; "
        "se muestran con lo que se sabe.",
        "Certaines entrées de ce déplacement ne suivent pas le format publié ; "
        "elles sont montrées avec ce qui est connu.",
        "Algumas entradas desta viagem não seguem o formato publicado; "
        "são mostradas com o que se sabe.",
    ),
    "col.date": ("Date", "Fecha", "Date", "Data"),
    "col.kind": ("Kind", "Tipo", "Type", "Tipo"),
    "col.item": ("Item", "Concepto", "Poste", "Item"),
    "col.payer": ("Paid by", "Paga", "Payé par", "Pago por"),
    "col.amount": ("Amount", "Importe", "Montant", "Valor"),
    "col.reporting": ("In {currency}", "En {currency}", "En {currency}", "Em {currency}"),
    "col.total": ("Total", "Total", "Total", "Total"),
    "costs.total": (
        "Total (the city pays {city})",
        "Total (la ciudad paga {city})",
        "Total (la ville paie {city})",
        "Total (a cidade paga {city})",
    ),
    "costs.payer": ("{payer}: {name}", "{payer}: {name}", "{payer} : {name}", "{payer}: {name}"),
    "entry.recorded": ("Recorded:", "Registrado:", "Enregistré :", "Registrado:"),
    "rules.title": (
        "How the checklist judges a trip",
        "Cómo la lista juzga un viaje",
        "Comment la liste juge un déplacement",
        "Como a lista avalia uma viagem",
    ),
    "rules.intro": (
        "Every signal is a plain rule with a threshold the city publishes here. A warning is "
        "a question to ask, not a verdict.",
        "Cada señal es una regla simple con un umbral que la ciudad publica aquí. Una alerta "
        "es una pregunta que hacer, no un veredicto.",
        "Chaque signal est une règle simple avec un seuil que la ville publie ici. Une alerte "
        "est une question à poser, pas un verdict.",
        "Cada sinal é uma regra simples com um limite que a cidade publica aqui. Um alerta é "
        "uma pergunta a fazer, não um veredito.",
    ),
    "rules.link": (
        "How the checklist works",
        "Cómo funciona la lista",
        "Comment fonctionne la liste",
        "Como funciona a lista",
    ),
    "rules.fixed": (
        "Also checked: SDG targets are named; every expected outcome has a result in the "
        "report; the report arrives by its due date; no follow-up commitment is past its date.",
        "También se comprueba: que se indiquen metas ODS; que cada resultado esperado tenga "
        "balance en el informe; que el informe llegue a tiempo; que ningún compromiso esté "
        "vencido.",
        "Sont aussi vérifiés : les cibles ODD sont indiquées ; chaque résultat attendu a un "
        "bilan dans le rapport ; le rapport arrive à temps ; aucun engagement n'est en retard.",
        "Também se verifica: que se indiquem metas ODS; que cada resultado esperado tenha "
        "balanço no relatório; que o relatório chegue no prazo; que nenhum compromisso esteja "
        "atrasado.",
    ),
    "rule.min_notice_days": (
        "Days of notice before departure, at least",
        "Días de antelación antes de la salida, al menos",
        "Jours de préavis avant le départ, au moins",
        "Dias de antecedência antes da partida, pelo menos",
    ),
    "rule.min_agenda_share": (
        "Share of travel days with official agenda items, at least",
        "Parte de los días de viaje con actividades oficiales, al menos",
        "Part des jours de voyage avec des activités officielles, au moins",
        "Parte dos dias de viagem com atividades oficiais, pelo menos",
    ),
    "rule.min_purpose_chars": (
        "Length of the stated purpose in characters, at least",
        "Largo del propósito en caracteres, al menos",
        "Longueur de l'objet en caractères, au moins",
        "Tamanho do propósito em caracteres, pelo menos",
    ),
    "rule.max_cost_ratio": (
        "Cost per traveller-day, at most this many times the city's median",
        "Costo por persona y día, como máximo estas veces la mediana de la ciudad",
        "Coût par voyageur et par jour, au plus ce multiple de la médiane de la ville",
        "Custo por viajante por dia, no máximo estas vezes a mediana da cidade",
    ),
    "rule.min_cofunded_share": (
        "Share paid by hosts or partners, at least",
        "Parte pagada por anfitriones o socios, al menos",
        "Part payée par les hôtes ou partenaires, au moins",
        "Parte paga por anfitriões ou parceiros, pelo menos",
    ),
    "rule.max_delegation": (
        "Delegation size, at most",
        "Tamaño de la delegación, como máximo",
        "Taille de la délégation, au plus",
        "Tamanho da delegação, no máximo",
    ),
    "rule.min_departments": (
        "Departments involved, at least",
        "Áreas involucradas, al menos",
        "Services concernés, au moins",
        "Secretarias envolvidas, pelo menos",
    ),
    "rule.late_amendment_days": (
        "An amendment is late when made fewer days than this before departure",
        "Una modificación es tardía si se hace a menos de estos días de la salida",
        "Une modification est tardive si elle vient moins de jours que ceci avant le départ",
        "Uma alteração é tardia se feita a menos destes dias da partida",
    ),
    "rule.require_followups": (
        "A report must record follow-up commitments",
        "Un informe debe registrar compromisos de seguimiento",
        "Un rapport doit enregistrer des engagements de suivi",
        "Um relatório deve registrar compromissos de acompanhamento",
    ),
    "yes": ("yes", "sí", "oui", "sim"),
    "no": ("no", "no", "non", "não"),
    "col.index": ("Entry", "Entrada", "Entrée", "Entrada"),
    "col.event": ("Event", "Evento", "Événement", "Evento"),
    "col.when": ("Recorded", "Registrado", "Enregistré", "Registrado"),
    "col.proof": ("Proof", "Prueba", "Preuve", "Prova"),
    "col.commitment": ("Commitment", "Compromiso", "Engagement", "Compromisso"),
    "col.owner": ("Owner", "Responsable", "Responsable", "Responsável"),
    "col.due": ("Due", "Vence", "Échéance", "Prazo"),
    "col.outcome": (
        "Expected outcome",
        "Resultado esperado",
        "Résultat attendu",
        "Resultado esperado",
    ),
    "col.result": ("What came of it", "Qué se logró", "Ce qui en est sorti", "O que resultou"),
    "verify.button": ("Verify", "Verificar", "Vérifier", "Verificar"),
    "verify.receipt": ("Receipt", "Recibo", "Reçu", "Recibo"),
    "verify.receipt_title": (
        "Download a receipt of this entry that anyone can check offline (C2SP tlog-proof)",
        "Descargar un recibo de esta entrada que cualquiera puede comprobar sin conexión "
        "(C2SP tlog-proof)",
        "Télécharger un reçu de cette entrée, vérifiable hors ligne par quiconque "
        "(C2SP tlog-proof)",
        "Baixar um recibo desta entrada que qualquer pessoa pode verificar offline "
        "(C2SP tlog-proof)",
    ),
    "verify.checking": ("Checking…", "Comprobando…", "Vérification…", "Verificando…"),
    "verify.ok": (
        "Verified: entry {index} is in the ledger of {size} entries signed by {origin}.",
        "Verificado: la entrada {index} está en el registro de {size} entradas firmado por "
        "{origin}.",
        "Vérifié : l'entrée {index} figure dans le registre de {size} entrées signé par {origin}.",
        "Verificado: a entrada {index} está no registro de {size} entradas assinado por {origin}.",
    ),
    "verify.warn": (
        "Partly verified: entry {index} is in the ledger of {size} entries signed by {origin}.",
        "Verificado en parte: la entrada {index} está en el registro de {size} entradas "
        "firmado por {origin}.",
        "Vérifié en partie : l'entrée {index} figure dans le registre de {size} entrées signé "
        "par {origin}.",
        "Verificado em parte: a entrada {index} está no registro de {size} entradas assinado "
        "por {origin}.",
    ),
    "verify.fail": (
        "Not verified: {reason}.",
        "No verificado: {reason}.",
        "Non vérifié : {reason}.",
        "Não verificado: {reason}.",
    ),
    "verify.witnesses": (
        "Cosigned by {witnesses}, as the trust policy requires.",
        "Cofirmado por {witnesses}, como exige la política de confianza.",
        "Cosigné par {witnesses}, comme l'exige la politique de confiance.",
        "Coassinado por {witnesses}, como exige a política de confiança.",
    ),
    "verify.no_witness": (
        "The trust policy in use asks for no witness cosignature.",
        "La política de confianza en uso no exige ninguna cofirma de testigo.",
        "La politique de confiance utilisée n'exige aucune cosignature de témoin.",
        "A política de confiança em uso não exige nenhuma coassinatura de testemunha.",
    ),
    "verify.source": (
        "Signed by its source, {source} (key {key_id}).",
        "Firmado por su fuente, {source} (clave {key_id}).",
        "Signé par sa source, {source} (clé {key_id}).",
        "Assinado pela sua fonte, {source} (chave {key_id}).",
    ),
    "verify.unsigned": (
        "Warning: this entry carries no signature of its source. It is in the first format "
        "(periplus.event/1), from before sources signed, so only its place in the ledger is "
        "proven.",
        "Atención: esta entrada no lleva la firma de su fuente. Está en el primer formato "
        "(periplus.event/1), anterior a las firmas, así que solo se prueba su lugar en el "
        "registro.",
        "Attention : cette entrée ne porte pas la signature de sa source. Elle est au premier "
        "format (periplus.event/1), antérieur aux signatures ; seule sa place dans le registre "
        "est donc prouvée.",
        "Atenção: esta entrada não traz a assinatura da sua fonte. Está no primeiro formato "
        "(periplus.event/1), anterior às assinaturas, por isso só o seu lugar no registro "
        "está provado.",
    ),
    "verify.withheld": (
        "Its content is withheld under law; only its place in the ledger is proven, by its hash.",
        "Su contenido está retenido por ley; solo se prueba su lugar en el registro, por su hash.",
        "Son contenu est retenu en vertu de la loi ; seule sa place dans le registre est "
        "prouvée, par son empreinte.",
        "O seu conteúdo está retido por lei; só o seu lugar no registro está provado, pelo "
        "seu hash.",
    ),
    "verify.matches": (
        "What this page shows for it matches the signed record.",
        "Lo que esta página muestra de ella coincide con el registro firmado.",
        "Ce que cette page en affiche correspond à l'enregistrement signé.",
        "O que esta página mostra dela confere com o registro assinado.",
    ),
    "verify.differs": (
        "the page shows {what} as {shown}, but the signed record says {signed}",
        "la página indica que {what} es {shown}, pero el registro firmado dice {signed}",
        "selon la page, {what} est {shown}, mais selon l'enregistrement signé, c'est {signed}",
        "a página indica que {what} é {shown}, mas o registro assinado diz {signed}",
    ),
    "verify.missing": (
        "the page shows {what} as {shown}, but the signed record has no such value",
        "la página indica que {what} es {shown}, pero el registro firmado no contiene ese dato",
        "selon la page, {what} est {shown}, mais l'enregistrement signé ne contient pas "
        "cette donnée",
        "a página indica que {what} é {shown}, mas o registro assinado não contém esse dado",
    ),
    "verify.pinned_set": (
        "Checked with the keys this site pins.",
        "Comprobado con las claves fijadas por este sitio.",
        "Vérifié avec les clés fixées par ce site.",
        "Verificado com as chaves fixadas por este site.",
    ),
    "verify.own_set": (
        "Checked with your own keys.",
        "Comprobado con sus propias claves.",
        "Vérifié avec vos propres clés.",
        "Verificado com as suas próprias chaves.",
    ),
    "verify.pinned_in_use": (
        "The verify buttons use the keys this site pins.",
        "Los botones de verificación usan las claves fijadas por este sitio.",
        "Les boutons de vérification utilisent les clés fixées par ce site.",
        "Os botões de verificação usam as chaves fixadas por este site.",
    ),
    "verify.own_in_use": (
        "The verify buttons use your own keys.",
        "Los botones de verificación usan sus propias claves.",
        "Les boutons de vérification utilisent vos propres clés.",
        "Os botões de verificação usam as suas próprias chaves.",
    ),
    "verify.own_saved": (
        "Your keys are kept in this browser and used for every check until you forget them.",
        "Sus claves quedan en este navegador y se usan en cada verificación hasta que las olvide.",
        "Vos clés restent dans ce navigateur et servent à chaque vérification jusqu'à ce que "
        "vous les oubliiez.",
        "As suas chaves ficam neste navegador e são usadas em cada verificação até que as esqueça.",
    ),
    "verify.own_forgotten": (
        "Your keys are forgotten; checks use the keys this site pins.",
        "Sus claves se han olvidado; las verificaciones usan las claves fijadas por este sitio.",
        "Vos clés sont oubliées ; les vérifications utilisent les clés fixées par ce site.",
        "As suas chaves foram esquecidas; as verificações usam as chaves fixadas por este site.",
    ),
    "verify.nojs": (
        "The verify buttons need JavaScript; the proofs are also served at /v1/verify/.",
        "Los botones de verificación necesitan JavaScript; las pruebas están en /v1/verify/.",
        "Les boutons de vérification exigent JavaScript ; les preuves sont sous /v1/verify/.",
        "Os botões de verificação precisam de JavaScript; as provas estão em /v1/verify/.",
    ),
    # The keys the verify buttons check with
    "keys.title": (
        "Keys used to verify",
        "Claves con las que se verifica",
        "Clés utilisées pour vérifier",
        "Chaves usadas na verificação",
    ),
    "keys.intro": (
        "The verify buttons check each entry with these keys, pinned in this site's "
        "configuration; none is fetched from the ledger. Compare each fingerprint with the "
        "one its owner publishes: the ledger's operator, each witness and the city.",
        "Los botones de verificación comprueban cada entrada con estas claves, fijadas en la "
        "configuración de este sitio; ninguna se obtiene del registro. Compare cada huella con "
        "la que publica su titular: el operador del registro, cada testigo y la ciudad.",
        "Les boutons de vérification contrôlent chaque entrée avec ces clés, fixées dans la "
        "configuration de ce site ; aucune n'est demandée au registre. Comparez chaque "
        "empreinte avec celle que publie son détenteur : l'exploitant du registre, chaque "
        "témoin et la ville.",
        "Os botões de verificação conferem cada entrada com estas chaves, fixadas na "
        "configuração deste site; nenhuma é obtida do registro. Compare cada impressão digital "
        "com a que o seu titular publica: o operador do registro, cada testemunha e a cidade.",
    ),
    "keys.how": (
        "A fingerprint is the SHA-256 of the key exactly as written, in hexadecimal:",
        "La huella es el SHA-256 de la clave tal como está escrita, en hexadecimal:",
        "L'empreinte est le SHA-256 de la clé telle qu'elle est écrite, en hexadécimal :",
        "A impressão digital é o SHA-256 da chave exatamente como está escrita, em hexadecimal:",
    ),
    "keys.log": (
        "The ledger, which signs each checkpoint",
        "El registro, que firma cada punto de control",
        "Le registre, qui signe chaque point de contrôle",
        "O registro, que assina cada ponto de controle",
    ),
    "keys.witnesses": (
        "Witnesses, who cosign that the ledger shows everyone the same entries",
        "Testigos, que cofirman que el registro muestra a todos las mismas entradas",
        "Témoins, qui cosignent que le registre montre à tous les mêmes entrées",
        "Testemunhas, que coassinam que o registro mostra a todos as mesmas entradas",
    ),
    "keys.sources": (
        "Sources, which sign each fact",
        "Fuentes, que firman cada hecho",
        "Sources, qui signent chaque fait",
        "Fontes, que assinam cada fato",
    ),
    "keys.ledger_source": (
        "the ledger's own notices of withholding, signed with its log key",
        "los avisos de retención del propio registro, firmados con su clave",
        "les avis de retenue du registre lui-même, signés avec sa clé",
        "os avisos de retenção do próprio registro, assinados com a sua chave",
    ),
    "keys.quorum_none": (
        "No witness cosignature is required (quorum none).",
        "No se exige ninguna cofirma de testigo (quorum none).",
        "Aucune cosignature de témoin n'est exigée (quorum none).",
        "Nenhuma coassinatura de testemunha é exigida (quorum none).",
    ),
    "keys.quorum": (
        "A checkpoint counts only when the witnesses that cosigned it meet the quorum "
        "“{quorum}” of the policy below.",
        "Un punto de control solo vale si los testigos que lo cofirmaron cumplen el quórum "
        "«{quorum}» de la política siguiente.",
        "Un point de contrôle ne compte que si les témoins qui l'ont cosigné atteignent le "
        "quorum « {quorum} » de la politique ci-dessous.",
        "Um ponto de controle só vale se as testemunhas que o coassinaram cumprirem o quórum "
        "“{quorum}” da política abaixo.",
    ),
    "keys.policy": (
        "The trust policy (C2SP tlog-policy)",
        "La política de confianza (C2SP tlog-policy)",
        "La politique de confiance (C2SP tlog-policy)",
        "A política de confiança (C2SP tlog-policy)",
    ),
    "keys.own": (
        "Check with your own keys",
        "Verificar con sus propias claves",
        "Vérifier avec vos propres clés",
        "Verificar com as suas próprias chaves",
    ),
    "keys.own_intro": (
        "Paste a trust policy and the sources' keys as their owners publish them. They stay "
        "in this browser and are used instead of this site's keys for every check, until you "
        "forget them.",
        "Pegue una política de confianza y las claves de las fuentes tal como las publican sus "
        "titulares. Quedan en este navegador y se usan en lugar de las claves de este sitio en "
        "cada verificación, hasta que las olvide.",
        "Collez une politique de confiance et les clés des sources telles que leurs détenteurs "
        "les publient. Elles restent dans ce navigateur et remplacent les clés de ce site pour "
        "chaque vérification, jusqu'à ce que vous les oubliiez.",
        "Cole uma política de confiança e as chaves das fontes tal como os seus titulares as "
        "publicam. Ficam neste navegador e são usadas em vez das chaves deste site em cada "
        "verificação, até que as esqueça.",
    ),
    "keys.own_policy": (
        "Trust policy (tlog-policy)",
        "Política de confianza (tlog-policy)",
        "Politique de confiance (tlog-policy)",
        "Política de confiança (tlog-policy)",
    ),
    "keys.own_sources": (
        "Source keys, one per line",
        "Claves de las fuentes, una por línea",
        "Clés des sources, une par ligne",
        "Chaves das fontes, uma por linha",
    ),
    "keys.own_use": (
        "Use my keys",
        "Usar mis claves",
        "Utiliser mes clés",
        "Usar as minhas chaves",
    ),
    "keys.own_forget": (
        "Forget my keys",
        "Olvidar mis claves",
        "Oublier mes clés",
        "Esquecer as minhas chaves",
    ),
    "keys.key_id": ("Key id:", "Id. de clave:", "Id. de clé :", "Id. da chave:"),
    "keys.fingerprint": (
        "Fingerprint (SHA-256):",
        "Huella (SHA-256):",
        "Empreinte (SHA-256) :",
        "Impressão digital (SHA-256):",
    ),
    # The facts a timeline entry shows: a short heading, then how a verdict names them
    "field.type": ("Kind", "Tipo", "Type", "Tipo"),
    "field.trip_id": ("Trip", "Viaje", "Déplacement", "Viagem"),
    "field.occurred_at": ("Recorded", "Registrado", "Enregistré", "Registrado"),
    "field.title": ("Title", "Título", "Titre", "Título"),
    "field.departure": ("Departure", "Salida", "Départ", "Partida"),
    "field.return": ("Return", "Regreso", "Retour", "Retorno"),
    "field.budget_total": ("Budgeted total", "Total presupuestado", "Total prévu", "Total orçado"),
    "field.city_share": (
        "Paid by the city",
        "Pagado por la ciudad",
        "Payé par la ville",
        "Pago pela cidade",
    ),
    "field.reason": ("Reason", "Motivo", "Motif", "Motivo"),
    "field.withheld_index": (
        "Entry withheld",
        "Entrada retenida",
        "Entrée retenue",
        "Entrada retida",
    ),
    "field.legal_basis": ("Legal basis", "Fundamento legal", "Base légale", "Fundamento legal"),
    "field.actual_total": ("Actual total", "Total real", "Total réel", "Total real"),
    "field.actual_city": (
        "Paid by the city",
        "Pagado por la ciudad",
        "Payé par la ville",
        "Pago pela cidade",
    ),
    "field.filed_on": (
        "Report filed",
        "Informe presentado",
        "Rapport déposé",
        "Relatório apresentado",
    ),
    "field.summary": ("Summary", "Resumen", "Résumé", "Resumo"),
    "field.commitment": ("Commitment", "Compromiso", "Engagement", "Compromisso"),
    "field.followup_status": ("Status", "Estado", "État", "Situação"),
    "fact.type": (
        "the kind of entry",
        "el tipo de entrada",
        "le type d'entrée",
        "o tipo de entrada",
    ),
    "fact.trip_id": ("the trip", "el viaje", "le déplacement", "a viagem"),
    "fact.occurred_at": (
        "the time of the entry",
        "la hora de la entrada",
        "l'heure de l'entrée",
        "a hora da entrada",
    ),
    "fact.title": ("the title", "el título", "le titre", "o título"),
    "fact.departure": (
        "the departure date",
        "la fecha de salida",
        "la date de départ",
        "a data de partida",
    ),
    "fact.return": (
        "the return date",
        "la fecha de regreso",
        "la date de retour",
        "a data de retorno",
    ),
    "fact.budget_total": (
        "the budgeted total",
        "el total presupuestado",
        "le total prévu au budget",
        "o total orçado",
    ),
    "fact.city_share": (
        "the city's share",
        "la parte de la ciudad",
        "la part de la ville",
        "a parte da cidade",
    ),
    "fact.reason": ("the reason", "el motivo", "le motif", "o motivo"),
    "fact.withheld_index": (
        "the withheld entry",
        "la entrada retenida",
        "l'entrée retenue",
        "a entrada retida",
    ),
    "fact.legal_basis": (
        "the legal basis",
        "el fundamento legal",
        "la base légale",
        "o fundamento legal",
    ),
    "fact.actual_total": ("the actual total", "el total real", "le total réel", "o total real"),
    "fact.actual_city": (
        "the city's share",
        "la parte de la ciudad",
        "la part de la ville",
        "a parte da cidade",
    ),
    "fact.filed_on": (
        "the report's date",
        "la fecha del informe",
        "la date du rapport",
        "a data do relatório",
    ),
    "fact.summary": (
        "the report's summary",
        "el resumen del informe",
        "le résumé du rapport",
        "o resumo do relatório",
    ),
    "fact.commitment": ("the commitment", "el compromiso", "l'engagement", "o compromisso"),
    "fact.followup_status": (
        "the follow-up's status",
        "el estado del seguimiento",
        "l'état du suivi",
        "a situação do acompanhamento",
    ),
    # Status, kinds, categories
    "status.approved": ("Approved", "Aprobado", "Approuvé", "Aprovada"),
    "status.cancelled": ("Cancelled", "Cancelado", "Annulé", "Cancelada"),
    "status.completed": ("Returned", "Realizado", "Effectué", "Realizada"),
    "status.reported": ("Reported", "Con informe", "Rapport publié", "Com relatório"),
    "status.closed": ("Closed", "Cerrado", "Clos", "Encerrada"),
    "signal.pass": ("Pass", "Cumple", "Conforme", "Cumpre"),
    "signal.warning": ("Warning", "Alerta", "Alerte", "Alerta"),
    "signal.pending": ("Not yet due", "Aún no vence", "Pas encore dû", "Ainda não vence"),
    "category.summit": (
        "summit or conference",
        "cumbre o conferencia",
        "sommet ou conférence",
        "cúpula ou conferência",
    ),
    "category.network_meeting": (
        "city network meeting",
        "reunión de red de ciudades",
        "réunion d'un réseau de villes",
        "reunião de rede de cidades",
    ),
    "category.twinning": (
        "twinning visit",
        "visita de hermanamiento",
        "visite de jumelage",
        "visita de geminação",
    ),
    "category.study_visit": (
        "study visit",
        "visita de estudio",
        "visite d'étude",
        "visita de estudo",
    ),
    "category.cooperation_project": (
        "cooperation project",
        "proyecto de cooperación",
        "projet de coopération",
        "projeto de cooperação",
    ),
    "category.investment": (
        "investment mission",
        "misión de inversión",
        "mission d'investissement",
        "missão de investimento",
    ),
    "category.other": ("official trip", "viaje oficial", "déplacement officiel", "viagem oficial"),
    "kind.meeting": ("Meeting", "Reunión", "Réunion", "Reunião"),
    "kind.site_visit": ("Site visit", "Visita", "Visite de terrain", "Visita técnica"),
    "kind.session": ("Session", "Sesión", "Séance", "Sessão"),
    "kind.speech": ("Speech", "Discurso", "Discours", "Discurso"),
    "kind.travel": ("Travel", "Traslado", "Trajet", "Deslocamento"),
    "kind.free_time": ("Free time", "Tiempo libre", "Temps libre", "Tempo livre"),
    "cost.airfare": ("Airfare", "Pasajes aéreos", "Billets d'avion", "Passagens aéreas"),
    "cost.lodging": ("Lodging", "Alojamiento", "Hébergement", "Hospedagem"),
    "cost.per_diem": ("Per diem", "Viáticos", "Indemnités journalières", "Diárias"),
    "cost.registration": ("Registration", "Inscripción", "Inscription", "Inscrição"),
    "cost.local_transport": (
        "Local transport",
        "Transporte local",
        "Transport local",
        "Transporte local",
    ),
    "cost.other": ("Other", "Otros", "Autres", "Outros"),
    "payer.city": ("the city", "la ciudad", "la ville", "a cidade"),
    "payer.host": ("the host", "el anfitrión", "l'hôte", "o anfitrião"),
    "payer.national_government": (
        "the national government",
        "el gobierno nacional",
        "le gouvernement national",
        "o governo nacional",
    ),
    "payer.external_grant": (
        "an external grant",
        "una subvención externa",
        "une subvention externe",
        "uma doação externa",
    ),
    "payer.other": ("others", "otros", "d'autres", "outros"),
    "achieved.yes": ("Achieved", "Logrado", "Atteint", "Alcançado"),
    "achieved.partly": (
        "Partly achieved",
        "Logrado en parte",
        "Atteint en partie",
        "Alcançado em parte",
    ),
    "achieved.no": ("Not achieved", "No logrado", "Non atteint", "Não alcançado"),
    "followup.open": ("Open", "Abierto", "Ouvert", "Aberto"),
    "followup.in_progress": ("In progress", "En curso", "En cours", "Em andamento"),
    "followup.done": ("Done", "Cumplido", "Réalisé", "Concluído"),
    "followup.dropped": ("Dropped", "Abandonado", "Abandonné", "Abandonado"),
    "followup.overdue": ("Overdue", "Vencido", "En retard", "Atrasado"),
    "event.alert.report_overdue": (
        "Report overdue",
        "Informe vencido",
        "Rapport en retard",
        "Relatório atrasado",
    ),
    "event.alert.followup_missed": (
        "Follow-up date missed",
        "Compromiso vencido",
        "Engagement en retard",
        "Compromisso atrasado",
    ),
    "alert.followup_missed": (
        "{commitment} ({owner}): due {due}, {late_days} days ago, not yet done.",
        "{commitment} ({owner}): vencía el {due}, hace {late_days} días, aún sin cumplir.",
        "{commitment} ({owner}) : échéance le {due}, il y a {late_days} jours, pas encore tenu.",
        "{commitment} ({owner}): vencia em {due}, há {late_days} dias, ainda não cumprido.",
    ),
    "event.trip.approved": (
        "Trip approved",
        "Viaje aprobado",
        "Déplacement approuvé",
        "Viagem aprovada",
    ),
    "event.trip.amended": (
        "Trip amended",
        "Viaje modificado",
        "Déplacement modifié",
        "Viagem alterada",
    ),
    "event.trip.corrected": (
        "Record corrected",
        "Registro corregido",
        "Fiche corrigée",
        "Registro corrigido",
    ),
    "event.trip.cancelled": (
        "Trip cancelled",
        "Viaje cancelado",
        "Déplacement annulé",
        "Viagem cancelada",
    ),
    "event.trip.completed": (
        "Trip completed, actual costs",
        "Viaje realizado, costos reales",
        "Déplacement effectué, coûts réels",
        "Viagem realizada, custos reais",
    ),
    "event.trip.reported": (
        "Report published",
        "Informe publicado",
        "Rapport publié",
        "Relatório publicado",
    ),
    "event.followup.updated": (
        "Follow-up updated",
        "Seguimiento actualizado",
        "Suivi mis à jour",
        "Acompanhamento atualizado",
    ),
    "event.entry.withheld": (
        "An entry withheld under law",
        "Una entrada reservada por ley",
        "Une entrée occultée en vertu de la loi",
        "Uma entrada reservada por lei",
    ),
    "event.source.seq_resolved": (
        "The ledger moved past an event it could not take",
        "El registro siguió sin un evento que no pudo aceptar",
        "Le registre a passé un événement qu'il ne pouvait pas accepter",
        "O registro seguiu sem um evento que não pôde aceitar",
    ),
    "event.withheld": (
        "Withheld under law",
        "Reservada por ley",
        "Occultée en vertu de la loi",
        "Reservada por lei",
    ),
    "event.trip.closed": ("Trip closed", "Viaje cerrado", "Déplacement clos", "Viagem encerrada"),
    # Summary sentences
    "sum.who_where": (
        "{who} travel to {where} from {start} to {end} ({days} days).",
        "{who} viajan a {where} del {start} al {end} ({days} días).",
        "{who} se rendent à {where} du {start} au {end} ({days} jours).",
        "{who} viajam para {where} de {start} a {end} ({days} dias).",
    ),
    "sum.delegation": (
        "A delegation of {size}",
        "Una delegación de {size}",
        "Une délégation de {size}",
        "Uma delegação de {size}",
    ),
    "sum.what": (
        "It is a {category}{host}.",
        "Es una {category}{host}.",
        "Nature du déplacement : {category}{host}.",
        "É uma {category}{host}.",
    ),
    "sum.host": (
        ", hosted by {host}",
        ", con {host} como anfitrión",
        ", à l'invitation de {host}",
        ", a convite de {host}",
    ),
    "sum.why": (
        "Why: {purpose}",
        "Por qué: {purpose}",
        "Pourquoi : {purpose}",
        "Por quê: {purpose}",
    ),
    "sum.departments": (
        "Departments involved: {list}.",
        "Áreas involucradas: {list}.",
        "Services concernés : {list}.",
        "Secretarias envolvidas: {list}.",
    ),
    "sum.sdg": (
        "Sustainable Development Goals: {goals}; targets {targets}.",
        "Objetivos de Desarrollo Sostenible: {goals}; metas {targets}.",
        "Objectifs de développement durable : {goals} ; cibles {targets}.",
        "Objetivos de Desenvolvimento Sustentável: {goals}; metas {targets}.",
    ),
    "sum.cost": (
        "Budgeted cost {total}; the city pays {city} and {others} is paid by {payers}.",
        "Costo presupuestado {total}; la ciudad paga {city} y {others} lo pagan {payers}.",
        "Coût prévu {total} ; la ville paie {city} et {others} est payé par {payers}.",
        "Custo orçado {total}; a cidade paga {city} e {others} é pago por {payers}.",
    ),
    "sum.cost_city": (
        "Budgeted cost {total}, all paid by the city.",
        "Costo presupuestado {total}, todo a cargo de la ciudad.",
        "Coût prévu {total}, entièrement payé par la ville.",
        "Custo orçado {total}, todo pago pela cidade.",
    ),
    "sum.expected": (
        "Expected to come of it: {list}.",
        "Lo que se espera lograr: {list}.",
        "Ce qui doit en sortir : {list}.",
        "O que se espera alcançar: {list}.",
    ),
    "sum.actual": (
        "After return, the actual cost was {total}, of which the city paid {city}.",
        "Tras el regreso, el costo real fue {total}, de los que la ciudad pagó {city}.",
        "Après le retour, le coût réel a été de {total}, dont {city} payés par la ville.",
        "Após o retorno, o custo real foi {total}, dos quais a cidade pagou {city}.",
    ),
    "sum.report": (
        "Report filed on {date}: {summary}",
        "Informe presentado el {date}: {summary}",
        "Rapport déposé le {date} : {summary}",
        "Relatório apresentado em {date}: {summary}",
    ),
    "sum.results": (
        "Of {expected} expected outcomes: {yes} achieved, {partly} partly, {no} not.",
        "De {expected} resultados esperados: {yes} logrados, {partly} en parte, {no} no.",
        "Sur {expected} résultats attendus : {yes} atteints, {partly} en partie, {no} non.",
        "De {expected} resultados esperados: {yes} alcançados, {partly} em parte, {no} não.",
    ),
    "sum.followups": (
        "Follow-up commitments: {total} ({done} done, {open} open, {overdue} overdue).",
        "Compromisos de seguimiento: {total} ({done} cumplidos, {open} abiertos, "
        "{overdue} vencidos).",
        "Engagements de suivi : {total} ({done} réalisés, {open} ouverts, {overdue} en retard).",
        "Compromissos de acompanhamento: {total} ({done} concluídos, {open} abertos, "
        "{overdue} atrasados).",
    ),
    "sum.cancelled": (
        "This trip was cancelled: {reason}",
        "Este viaje fue cancelado: {reason}",
        "Ce déplacement a été annulé : {reason}",
        "Esta viagem foi cancelada: {reason}",
    ),
    # Checklist sentences
    "notice.pass": (
        "Disclosed {days} days before departure (at least {minimum} asked).",
        "Publicado {days} días antes de la salida (se piden al menos {minimum}).",
        "Publié {days} jours avant le départ (au moins {minimum} demandés).",
        "Publicada {days} dias antes da partida (pede-se pelo menos {minimum}).",
    ),
    "notice.warning": (
        "Disclosed only {days} days before departure (at least {minimum} asked), "
        "with no justification.",
        "Publicado solo {days} días antes de la salida (se piden {minimum}), sin justificación.",
        "Publié seulement {days} jours avant le départ ({minimum} demandés), sans justification.",
        "Publicada só {days} dias antes da partida (pede-se {minimum}), sem justificativa.",
    ),
    "notice.justified": (
        "Disclosed only {days} days before departure (at least {minimum} asked); "
        "the urgency is justified in the record.",
        "Publicado solo {days} días antes de la salida (se piden {minimum}); "
        "la urgencia está justificada.",
        "Publié seulement {days} jours avant le départ ({minimum} demandés) ; "
        "l'urgence est justifiée.",
        "Publicada só {days} dias antes da partida (pede-se {minimum}); "
        "a urgência está justificada.",
    ),
    "notice.after": (
        "Disclosed {days_after} days after departure, after the fact.",
        "Publicado {days_after} días después de la salida, a posteriori.",
        "Publié {days_after} jours après le départ, après coup.",
        "Publicada {days_after} dias depois da partida, a posteriori.",
    ),
    "agenda.pass": (
        "{with_agenda} of {days} travel days have official agenda items ({share}).",
        "{with_agenda} de {days} días de viaje tienen actividades oficiales ({share}).",
        "{with_agenda} des {days} jours de voyage ont des activités officielles ({share}).",
        "{with_agenda} de {days} dias de viagem têm atividades oficiais ({share}).",
    ),
    "agenda.warning": (
        "Only {with_agenda} of {days} travel days have official agenda items ({share}; "
        "{minimum} asked).",
        "Solo {with_agenda} de {days} días de viaje tienen actividades oficiales ({share}; "
        "se pide {minimum}).",
        "Seulement {with_agenda} des {days} jours ont des activités officielles ({share} ; "
        "{minimum} demandés).",
        "Só {with_agenda} de {days} dias de viagem têm atividades oficiais ({share}; "
        "pede-se {minimum}).",
    ),
    "purpose.pass": (
        "The purpose is stated and {outcomes} measurable outcomes are expected.",
        "El propósito está explicado y se esperan {outcomes} resultados medibles.",
        "L'objet est exposé et {outcomes} résultats mesurables sont attendus.",
        "O propósito está explicado e esperam-se {outcomes} resultados mensuráveis.",
    ),
    "purpose.thin": (
        "The purpose is too brief to judge the trip by ({purpose_chars} characters).",
        "El propósito es demasiado breve para juzgar el viaje ({purpose_chars} caracteres).",
        "L'objet est trop bref pour juger le déplacement ({purpose_chars} caractères).",
        "O propósito é breve demais para julgar a viagem ({purpose_chars} caracteres).",
    ),
    "purpose.no_outcomes": (
        "No measurable outcome is stated.",
        "No se indica ningún resultado medible.",
        "Aucun résultat mesurable n'est indiqué.",
        "Nenhum resultado mensurável foi indicado.",
    ),
    "sdg.pass": (
        "SDG targets named: {list}.",
        "Metas ODS indicadas: {list}.",
        "Cibles ODD indiquées : {list}.",
        "Metas ODS indicadas: {list}.",
    ),
    "sdg.warning": (
        "No SDG target is named.",
        "No se indica ninguna meta ODS.",
        "Aucune cible ODD n'est indiquée.",
        "Nenhuma meta ODS foi indicada.",
    ),
    "departments.pass": (
        "Departments involved: {count}.",
        "Áreas involucradas: {count}.",
        "Services concernés : {count}.",
        "Secretarias envolvidas: {count}.",
    ),
    "departments.warning": (
        "Departments involved: only {count} ({minimum} asked).",
        "Áreas involucradas: solo {count} (se piden {minimum}).",
        "Services concernés : seulement {count} ({minimum} demandés).",
        "Secretarias envolvidas: só {count} (pede-se {minimum}).",
    ),
    "cost.pass": (
        "{per_day} per traveller-day, {ratio} times the city's median of {median}.",
        "{per_day} por persona y día, {ratio} veces la mediana de la ciudad ({median}).",
        "{per_day} par voyageur et par jour, {ratio} fois la médiane de la ville ({median}).",
        "{per_day} por viajante por dia, {ratio} vezes a mediana da cidade ({median}).",
    ),
    "cost.warning": (
        "{per_day} per traveller-day, {ratio} times the city's median of {median} "
        "(above {maximum} times).",
        "{per_day} por persona y día, {ratio} veces la mediana de la ciudad ({median}); "
        "supera {maximum} veces.",
        "{per_day} par voyageur et par jour, {ratio} fois la médiane de la ville ({median}) ; "
        "au-delà de {maximum} fois.",
        "{per_day} por viajante por dia, {ratio} vezes a mediana da cidade ({median}); "
        "acima de {maximum} vezes.",
    ),
    "cost.alone": (
        "{per_day} per traveller-day; there are no other trips to compare it with yet.",
        "{per_day} por persona y día; aún no hay otros viajes para comparar.",
        "{per_day} par voyageur et par jour ; pas encore d'autres déplacements à comparer.",
        "{per_day} por viajante por dia; ainda não há outras viagens para comparar.",
    ),
    "cofunded.pass": (
        "{share} is paid by hosts or partners ({others}); the city pays {city}.",
        "{share} lo pagan anfitriones o socios ({others}); la ciudad paga {city}.",
        "{share} est payé par les hôtes ou partenaires ({others}) ; la ville paie {city}.",
        "{share} é pago por anfitriões ou parceiros ({others}); a cidade paga {city}.",
    ),
    "cofunded.warning": (
        "Only {share} is paid by hosts or partners ({minimum} hoped); the city pays {city}.",
        "Solo {share} lo pagan anfitriones o socios (se espera {minimum}); la ciudad paga {city}.",
        "Seulement {share} est payé par des hôtes ou partenaires ({minimum} visés) ; "
        "la ville paie {city}.",
        "Só {share} é pago por anfitriões ou parceiros (espera-se {minimum}); "
        "a cidade paga {city}.",
    ),
    "delegation.pass": (
        "A delegation of {size} (at most {maximum} asked).",
        "Una delegación de {size} (se piden como máximo {maximum}).",
        "Une délégation de {size} (au plus {maximum} demandés).",
        "Uma delegação de {size} (pede-se no máximo {maximum}).",
    ),
    "delegation.warning": (
        "A delegation of {size}, more than the {maximum} asked.",
        "Una delegación de {size}, más que las {maximum} pedidas.",
        "Une délégation de {size}, plus que les {maximum} demandés.",
        "Uma delegação de {size}, mais que as {maximum} pedidas.",
    ),
    "report.on_time": (
        "Report filed on {filed_on}, on time (due {due}).",
        "Informe presentado el {filed_on}, a tiempo (vencía el {due}).",
        "Rapport déposé le {filed_on}, à temps (échéance le {due}).",
        "Relatório apresentado em {filed_on}, no prazo (vencia em {due}).",
    ),
    "report.late": (
        "Report filed on {filed_on}, {late_days} days late (due {due}).",
        "Informe presentado el {filed_on}, con {late_days} días de retraso (vencía el {due}).",
        "Rapport déposé le {filed_on}, avec {late_days} jours de retard (échéance le {due}).",
        "Relatório apresentado em {filed_on}, com {late_days} dias de atraso (vencia em {due}).",
    ),
    "report.overdue": (
        "No report yet: {late_days} days overdue (due {due}).",
        "Aún sin informe: {late_days} días de retraso (vencía el {due}).",
        "Pas encore de rapport : {late_days} jours de retard (échéance le {due}).",
        "Ainda sem relatório: {late_days} dias de atraso (vencia em {due}).",
    ),
    "report.pending": (
        "The report is due on {due}.",
        "El informe vence el {due}.",
        "Le rapport est attendu le {due}.",
        "O relatório vence em {due}.",
    ),
    "results.pass": (
        "Every expected outcome has a result: {yes} achieved, {partly} partly, {no} not.",
        "Cada resultado esperado tiene su balance: {yes} logrados, {partly} en parte, {no} no.",
        "Chaque résultat attendu a un bilan : {yes} atteints, {partly} en partie, {no} non.",
        "Cada resultado esperado tem balanço: {yes} alcançados, {partly} em parte, {no} não.",
    ),
    "results.warning": (
        "{missing} of {expected} expected outcomes have no reported result.",
        "{missing} de {expected} resultados esperados no tienen balance.",
        "{missing} des {expected} résultats attendus n'ont pas de bilan.",
        "{missing} de {expected} resultados esperados não têm balanço.",
    ),
    "followups.pass": (
        "Follow-ups: {done} done, {open} open, none overdue.",
        "Seguimiento: {done} cumplidos, {open} abiertos, ninguno vencido.",
        "Suivi : {done} réalisés, {open} ouverts, aucun en retard.",
        "Acompanhamento: {done} concluídos, {open} abertos, nenhum atrasado.",
    ),
    "followups.warning": (
        "Follow-ups: {overdue} overdue, {done} done, {open} open.",
        "Seguimiento: {overdue} vencidos, {done} cumplidos, {open} abiertos.",
        "Suivi : {overdue} en retard, {done} réalisés, {open} ouverts.",
        "Acompanhamento: {overdue} atrasados, {done} concluídos, {open} abertos.",
    ),
    "followups.none": (
        "The report records no follow-up commitment.",
        "El informe no registra compromisos de seguimiento.",
        "Le rapport n'enregistre aucun engagement de suivi.",
        "O relatório não registra compromissos de acompanhamento.",
    ),
    "amendments.none": (
        "No amendment since approval.",
        "Sin modificaciones desde la aprobación.",
        "Aucune modification depuis l'approbation.",
        "Nenhuma alteração desde a aprovação.",
    ),
    "amendments.pass": (
        "Amendments since approval: {count}, the latest {latest_days_before} days before "
        "departure.",
        "Modificaciones desde la aprobación: {count}, la última {latest_days_before} días "
        "antes de la salida.",
        "Modifications depuis l'approbation : {count}, la dernière {latest_days_before} jours "
        "avant le départ.",
        "Alterações desde a aprovação: {count}, a última {latest_days_before} dias antes da "
        "partida.",
    ),
    "amendments.warning": (
        "Amendments since approval: {count}; late ones, fewer than {minimum} days before "
        "departure: {late} (the latest {latest_days_before} days before).",
        "Modificaciones desde la aprobación: {count}; tardías, a menos de {minimum} días de "
        "la salida: {late} (la última {latest_days_before} días antes).",
        "Modifications depuis l'approbation : {count} ; tardives, à moins de {minimum} jours "
        "du départ : {late} (la dernière {latest_days_before} jours avant).",
        "Alterações desde a aprovação: {count}; tardias, a menos de {minimum} dias da "
        "partida: {late} (a última {latest_days_before} dias antes).",
    ),
}


def text(lang: str, key: str, **values: Any) -> str:
    """The message in the reader's language (English if the key lacks one)."""
    row = M.get(key)
    if row is None:
        return key
    position = LANGUAGES.index(lang) if lang in LANGUAGES else 0
    template = row[position] or row[0]
    return template.format(**values) if values else template
