plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "dev.kerassr.demo"
    compileSdk = 35
    defaultConfig {
        applicationId = "dev.kerassr.demo"
        minSdk = 26
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions { jvmTarget = "17" }
    androidResources { noCompress += "tflite" } // memory-map the model from assets
}

dependencies {
    implementation(project(":core"))
    implementation("com.google.ai.edge.litert:litert:1.4.0")
    implementation("com.google.ai.edge.litert:litert-gpu:1.4.0")
    implementation("androidx.appcompat:appcompat:1.7.0")
    implementation("androidx.activity:activity-ktx:1.9.3")
}

// Copies the exported model and its sidecar from <repo>/export/ into the app's assets.
// Choose the file with -PsrModel=espcn_x3_int8 (default: espcn_x3_int8); export it first:
//   keras-sr export espcn --scale 3 --quantize int8-ptq --io uint8 --input-size 64 64 \
//       --output export/espcn_x3_int8.tflite
val copyModel by tasks.registering(Copy::class) {
    val name = (project.findProperty("srModel") as String?) ?: "espcn_x3_int8"
    val exportDir = rootProject.file("../export")
    from(exportDir) { include("$name.tflite", "$name.json") }
    into(layout.projectDirectory.dir("src/main/assets"))
    rename("$name\\.tflite", "model.tflite")
    rename("$name\\.json", "model.json")
    doFirst {
        check(exportDir.resolve("$name.tflite").isFile) {
            "no ${exportDir.resolve("$name.tflite")}: export a model first (see android_demo/README.md)"
        }
    }
}
tasks.named("preBuild") { dependsOn(copyModel) }
