package variedcorpus

import (
	"fmt"
	"strings"
)

// --- multi-step forms ------------------------------------------------------

type lang struct {
	code      string
	streets   []string
	cities    []string
	jobs      []string
	sentences []string
	choices   []string
}

var langs = []lang{
	{"de", []string{"Hauptstraße 12", "Königsallee 5a", "Am Mühlbach 3"}, []string{"München", "Köln", "Düsseldorf"}, []string{"Softwareentwicklerin", "Bäckermeister", "Steuerfachangestellte"},
		[]string{"Ich möchte meinen Tarif zum nächstmöglichen Zeitpunkt wechseln.", "Die Wohnung liegt im dritten Obergeschoss, ein Aufzug ist vorhanden.", "Bitte kontaktieren Sie mich vormittags unter der angegebenen Nummer.", "Der Schaden entstand beim Ausparken auf dem Parkplatz des Supermarkts."}, []string{"Vollkasko", "Teilkasko", "Haftpflicht"}},
	{"fr", []string{"12 rue de la République", "3 avenue des Champs-Élysées", "8 impasse du Moulin"}, []string{"Lyon", "Besançon", "Saint-Étienne"}, []string{"Ingénieure", "Infirmier", "Comptable"},
		[]string{"Je souhaite résilier mon abonnement à la fin du mois.", "Le colis est arrivé endommagé, la boîte était ouverte.", "Disponible à partir du 1er septembre, télétravail possible deux jours par semaine.", "Merci de me rappeler en fin de journée."}, []string{"Mensuel", "Annuel", "Sans engagement"}},
	{"es", []string{"Calle Mayor 5, 3º B", "Avenida de la Constitución 21", "Plaza del Sol 2"}, []string{"Sevilla", "Málaga", "Logroño"}, []string{"Diseñadora gráfica", "Camarero", "Profesora"},
		[]string{"Busco un piso de dos habitaciones cerca del metro.", "Mi mascota es un perro pequeño, muy tranquilo.", "Necesito la factura a nombre de la empresa, con NIF.", "¿Es posible adelantar la entrega al jueves?"}, []string{"Alquiler", "Compra", "Compartido"}},
	{"ja", []string{"東京都渋谷区神南1-2-3", "大阪府大阪市北区梅田2-4-9", "北海道札幌市中央区北1条西2丁目"}, []string{"東京", "大阪", "札幌"}, []string{"会社員", "看護師", "自営業"},
		[]string{"引っ越し予定日は来月の十五日です。", "午前中の配達を希望します。", "エレベーターのない建物の四階です。", "詳細はお電話でご相談させてください。"}, []string{"単身", "家族", "法人"}},
	{"zh", []string{"北京市朝阳区建国路88号", "上海市浦东新区世纪大道100号", "广州市天河区体育西路1号"}, []string{"北京", "上海", "广州"}, []string{"工程师", "教师", "设计师"},
		[]string{"请在工作日下午联系我。", "发票抬头请写公司全称。", "我希望把预约改到下周三。", "包裹需要放在前台。"}, []string{"个人", "企业", "学生"}},
	{"ru", []string{"ул. Ленина, д. 10, кв. 5", "Невский проспект, 28", "ул. Пушкина, д. 3"}, []string{"Москва", "Санкт-Петербург", "Казань"}, []string{"Инженер", "Бухгалтер", "Врач"},
		[]string{"Прошу перезвонить мне после шести вечера.", "Доставка возможна только в выходные дни.", "Квартира находится на пятом этаже без лифта.", "Нужен договор на юридическое лицо."}, []string{"Стандарт", "Премиум", "Бизнес"}},
	{"pl", []string{"ul. Marszałkowska 84/92", "ul. Długa 17", "al. Jerozolimskie 65"}, []string{"Warszawa", "Kraków", "Łódź"}, []string{"Programista", "Księgowa", "Nauczyciel"},
		[]string{"Proszę o kontakt telefoniczny w godzinach popołudniowych.", "Zamówienie ma zostać dostarczone do paczkomatu.", "Chciałbym zmienić termin wizyty na przyszły tydzień."}, []string{"Podstawowy", "Rozszerzony", "Rodzinny"}},
	{"pt", []string{"Rua das Flores, 123, apto 45", "Avenida Paulista, 1000", "Travessa do Carmo, 7"}, []string{"São Paulo", "Lisboa", "Florianópolis"}, []string{"Desenvolvedora", "Médico", "Advogada"},
		[]string{"Gostaria de agendar a instalação para sábado de manhã.", "O endereço de cobrança é diferente do endereço de entrega.", "Preciso da nota fiscal com CNPJ."}, []string{"Mensal", "Anual", "Pré-pago"}},
	{"tr", []string{"İstiklal Caddesi No: 45", "Atatürk Bulvarı 112/3", "Bağdat Caddesi 7"}, []string{"İstanbul", "Ankara", "İzmir"}, []string{"Mühendis", "Öğretmen", "Eczacı"},
		[]string{"Lütfen öğleden sonra arayın.", "Teslimatın hafta sonu yapılmasını istiyorum.", "Faturayı şirket adına düzenleyin."}, []string{"Bireysel", "Kurumsal", "Öğrenci"}},
	{"ar", []string{"شارع التحرير ١٢", "طريق الملك فهد ٤٥", "شارع الحمراء ٨"}, []string{"القاهرة", "الرياض", "بيروت"}, []string{"مهندس", "طبيبة", "محاسب"},
		[]string{"يرجى التواصل معي في المساء.", "أرغب في تغيير موعد التسليم إلى يوم الخميس.", "الفاتورة باسم الشركة من فضلك."}, []string{"فردي", "عائلي", "شركات"}},
	{"en", []string{"221B Baker Street", "1600 Example Avenue NW", "42 Harbour Road"}, []string{"London", "Seattle", "Dublin"}, []string{"Product manager", "Electrician", "Nurse"},
		[]string{"I'd like the installation to happen on a weekday morning if possible.", "The previous tenant left the meter readings on the kitchen table.", "Please use the side entrance; the front door bell is broken.", "We have two cats and a very friendly dog."}, []string{"Basic", "Plus", "Family"}},
}

var wizards = []struct {
	name  string
	steps []string
}{
	{"insurance_quote", []string{"vehicle", "driver", "coverage", "payment", "review"}},
	{"rental_application", []string{"applicant", "household", "income", "references", "documents"}},
	{"job_application", []string{"personal", "experience", "motivation", "availability"}},
	{"address_change", []string{"old_address", "new_address", "moving_date", "confirm"}},
	{"support_ticket", []string{"product", "problem", "contact"}},
}

func (g *gen) stepData(l lang, p person, step string) map[string]any {
	d := map[string]any{}
	switch step {
	case "personal", "applicant", "driver", "contact":
		d["first_name"], d["last_name"], d["email"] = p.given, p.family, p.email
		d["phone"] = "+" + g.chars(digits, g.n(10, 12))
		d["birth_date"] = fmt.Sprintf("19%02d-%02d-%02d", g.n(50, 99), g.n(1, 12), g.n(1, 28))
		if g.coin(0.5) {
			d["occupation"] = pick(g, l.jobs)
		}
	case "old_address", "new_address", "household":
		d["street"], d["city"] = pick(g, l.streets), pick(g, l.cities)
		d["postal_code"] = g.chars(digits, 5)
		d["country"] = strings.ToUpper(l.code)
		if step == "household" {
			d["adults"], d["children"], d["pets"] = g.n(1, 3), g.n(0, 3), g.coin(0.3)
		}
	case "vehicle":
		d["make"], d["model"] = pick(g, []string{"Volkswagen", "Toyota", "Renault", "Škoda", "Fiat"}), pick(g, []string{"Golf", "Corolla", "Clio", "Octavia", "Panda"})
		d["first_registration"] = fmt.Sprintf("20%02d-%02d", g.n(5, 24), g.n(1, 12))
		d["plate"] = strings.ToUpper(g.chars("abcdefghjklmnprstuvwxyz", 2)) + "-" + g.chars(digits, 4)
		d["annual_km"] = g.n(5, 40) * 1000
	case "coverage", "availability", "moving_date", "product":
		d["plan"] = pick(g, l.choices)
		d["start_date"] = fmt.Sprintf("2026-%02d-01", g.n(1, 12))
		d["options"] = g.some([]string{"roadside", "glass", "legal", "abroad", "rental_car"}, 0, 3)
	case "income", "experience":
		d["employer"] = pick(g, []string{"Example GmbH", "Exemple SARL", "Ejemplo S.L.", "株式会社エグザンプル", "Przykład sp. z o.o."})
		d["position"] = pick(g, l.jobs)
		d["monthly_net"] = g.n(1800, 9000)
		d["since"] = fmt.Sprintf("20%02d-%02d", g.n(5, 24), g.n(1, 12))
	case "motivation", "problem", "references":
		var txt []string
		for range g.n(2, 6) {
			txt = append(txt, pick(g, l.sentences))
		}
		d["text"] = strings.Join(txt, " ")
		if step == "problem" {
			d["order_number"] = fmt.Sprintf("%d-%07d", g.n(100, 999), g.n(0, 9999999))
		}
	case "payment":
		d["method"] = pick(g, []string{"sepa", "card", "invoice", "pix", "konbini"})
		d["iban_last4"] = g.chars(digits, 4)
		d["holder"] = p.given + " " + p.family
	case "documents":
		var files []any
		for range g.n(1, 4) {
			files = append(files, map[string]any{"id": g.uuid(), "name": pick(g, []string{"Gehaltsnachweis_Oktober.pdf", "pièce_d'identité.jpg", "nómina.pdf", "住民票.pdf", "bank-statement.pdf"}), "size": g.n(20000, 4000000)})
		}
		d["uploads"] = files
	default:
		d["confirmed"] = g.coin(0.5)
	}
	return d
}

// formWizard: a multi-step form's state between steps, either as
// django-formtools' SessionWizardView stores it or as a plain object.
func formWizard(g *gen, i int) map[string]any {
	l := langs[i%len(langs)]
	w := wizards[i%len(wizards)]
	pp := g.person()
	done := 1 + i%(len(w.steps)-1)
	if i >= 12 {
		done = len(w.steps) - 1
	}
	s := map[string]any{}
	if i%2 == 0 {
		stepData := map[string]any{}
		for _, st := range w.steps[:done] {
			fd := map[string]any{}
			for k, v := range g.stepData(l, pp, st) {
				fd[st+"-"+k] = []any{fmt.Sprint(v)}
			}
			stepData[st] = fd
		}
		s["wizard_"+w.name+"_view"] = map[string]any{"step": w.steps[done], "step_data": stepData, "step_files": map[string]any{}, "extra_data": map[string]any{}}
		s["_language"] = l.code
	} else {
		data := map[string]any{}
		for _, st := range w.steps[:done] {
			data[st] = g.stepData(l, pp, st)
		}
		s["wizard"] = map[string]any{"id": g.uuid(), "form": w.name, "lang": l.code, "step": done, "steps": w.steps, "completed": w.steps[:done], "data": data, "started_at": g.unix()}
	}
	if g.coin(0.6) {
		s["csrf_token"] = g.b64url(32)
	}
	if g.coin(0.3) {
		s["user_id"] = g.n(1, 999999)
	}
	return s
}
