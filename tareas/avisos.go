package tareas

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

func init() {
	// Los avisos (callbacks) que el worker llama cuando un trabajo acaba.
	rqlite.Register("tareas.avisar_exito", AvisarExito)
	rqlite.Register("tareas.avisar_fallo", AvisarFallo)
	rqlite.Register("tareas.avisar_parada", AvisarParada)

	// Tareas para los capítulos de «Más allá de lo básico».
	rqlite.Register("tareas.fallar", Fallar, "motivo")
	rqlite.Register("tareas.contar_hasta", ContarHasta, "n")
	rqlite.Register("tareas.dormir_sin_escuchar", DormirSinEscuchar, "n")
	rqlite.Register("tareas.terminar_proceso", TerminarProceso, "codigo")
}

// AvisarExito es un aviso de éxito (on_success): el worker lo llama con el
// trabajo y lo que ha devuelto su función cuando termina bien. Escribe una
// línea como "✔ tareas.tarea_pesada_y_falible(3) ha terminado: 3".
func AvisarExito(ctx context.Context, job *rqlite.Job, resultado any) error {
	_, err := fmt.Fprintf(Salida, "✔ %s ha terminado: %v\n",
		job.Description, resultado)
	return err
}

// AvisarFallo es un aviso de fallo (on_failure): el worker lo llama con el
// trabajo y su error cada vez que falla, también cuando aún le quedan
// reintentos. Escribe una línea como
// "✘ tareas.fallar('sin papel') ha fallado: sin papel".
func AvisarFallo(ctx context.Context, job *rqlite.Job, err error) error {
	_, errEscribir := fmt.Fprintf(Salida, "✘ %s ha fallado: %v\n",
		job.Description, err)
	return errEscribir
}

// AvisarParada es un aviso de parada (on_stopped): el worker lo llama
// cuando alguien detiene el trabajo mientras se ejecuta, con rq stop o
// rqlite.StopJob. Escribe una línea como
// "■ tareas.contar_hasta(60) se ha parado: stopped by user".
func AvisarParada(ctx context.Context, job *rqlite.Job, err error) error {
	_, errEscribir := fmt.Fprintf(Salida, "■ %s se ha parado: %v\n",
		job.Description, err)
	return errEscribir
}

// Fallar es una tarea que siempre falla, con el motivo que se le da. Sirve
// para ver reintentos y dependencias sin depender del azar.
func Fallar(motivo string) error {
	return errors.New(motivo)
}

// ContarHasta cuenta de 1 a n, un número por segundo simulado, y devuelve
// n. Escribe una línea como "contar_hasta (3) 1 2 3 [OK]".
//
// Si se ejecuta como trabajo, guarda su progreso en el meta del trabajo
// (meta["progreso"]) después de cada número, para que otros lo puedan
// consultar mientras tanto. Como TareaPesadaYFalible, se detiene si ctx se
// cancela.
func ContarHasta(ctx context.Context, n int) (int, error) {
	job := rqlite.JobFromContext(ctx) // nil si no es un trabajo
	if job != nil && job.Meta == nil {
		job.Meta = map[string]any{}
	}
	fmt.Fprintf(Salida, "contar_hasta (%d)", n)
	for i := 1; i <= n; i++ {
		if err := dormir(ctx); err != nil {
			fmt.Fprintln(Salida)
			return 0, err
		}
		fmt.Fprintf(Salida, " %d", i)
		if job != nil {
			job.Meta["progreso"] = i
			if err := job.SaveMeta(ctx); err != nil {
				fmt.Fprintln(Salida)
				return 0, err
			}
		}
	}
	fmt.Fprintln(Salida, " "+ok("[OK]"))
	return n, nil
}

// DormirSinEscuchar duerme n segundos simulados sin mirar ningún contexto.
//
// Es una mala tarea a propósito: no recibe un context.Context, así que no
// se entera de que se ha acabado su tiempo máximo o de que el worker se
// para. Un worker normal no puede detenerla; solo un worker aislado
// (WorkerOptions.Isolated), que mata el proceso donde se ejecuta.
func DormirSinEscuchar(n int) {
	time.Sleep(time.Duration(n) * Segundo())
	segundosSimulados.Add(int64(n))
}

// TerminarProceso termina el proceso en el que se ejecuta con el código
// dado, con os.Exit.
//
// Es otra mala tarea a propósito: en un worker normal se lleva por delante
// el worker entero. En un worker aislado, muere solo el proceso del
// trabajo, que queda como fallido, y el worker sigue.
func TerminarProceso(codigo int) {
	os.Exit(codigo)
}
